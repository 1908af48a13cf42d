/**
 * pg_ctl and pg_controldata for a data directory, run as the directory's owner when we are
 * root (PostgreSQL refuses to run as root).
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../../../../../../core/clock.js";
import { BackoutError, type ErrorLocation } from "../../../../../../core/errors.js";
import { runCommand, runCommandOk } from "../../../../../../process/run-command.js";

export interface PgCtl {
  pgBin: string;
  /** OS user to run as (set when we are root). */
  user: string | undefined;
  redact: (t: string) => string;
  where: ErrorLocation;
}

export async function pgCtlFor(
  dataDir: string,
  pgBin: string,
  redact: (t: string) => string,
  where: ErrorLocation,
): Promise<PgCtl> {
  if (process.getuid?.() !== 0) return { pgBin, user: undefined, redact, where };
  const uid = statSync(dataDir).uid;
  const out = await runCommandOk({ argv: ["id", "-nu", String(uid)], redact, where });
  return { pgBin, user: out.stdout.trim(), redact, where };
}

function argv(ctl: PgCtl, program: string, args: string[]): string[] {
  const bin = join(ctl.pgBin, program);
  return ctl.user ? ["runuser", "-u", ctl.user, "--", bin, ...args] : [bin, ...args];
}

export async function pgCtl(ctl: PgCtl, args: string[], timeoutMs = 120_000): Promise<void> {
  await runCommandOk({ argv: argv(ctl, "pg_ctl", args), redact: ctl.redact, where: ctl.where, timeoutMs });
}

// pg_ctl -w looks every 100 ms: up to a tenth of a second of block time per wait, twice per swap.
const POLL_MS = 10;

/**
 * A fast shutdown (SIGINT to the postmaster, else pg_ctl stop -m fast) without pg_ctl's own
 * wait, then waits (polling postmaster.pid, which the postmaster removes last) until it is gone.
 */
export async function stopFast(
  ctl: PgCtl,
  dataDir: string,
  clock: Clock,
  timeoutMs = 120_000,
): Promise<void> {
  if (!signalPostmaster(dataDir, "SIGINT")) await pgCtl(ctl, ["-D", dataDir, "-m", "fast", "-W", "stop"]);
  const pidFile = join(dataDir, "postmaster.pid");
  for (const until = clock.now() + timeoutMs; existsSync(pidFile); await clock.sleep(POLL_MS)) {
    if (clock.now() > until) {
      throw new BackoutError(
        "PROVIDER_FAILED",
        ctl.redact(`the server on ${dataDir} did not stop within ${timeoutMs} ms`),
        {
          where: ctl.where,
          retryable: true,
          hint: "See its log; stop it (pg_ctl stop -m immediate), then resume.",
        },
      );
    }
  }
}

/**
 * Sends `signal` to the postmaster of `dataDir` (SIGINT is pg_ctl's fast shutdown) when it can
 * prove the pid is that postmaster: a process whose working directory is the data directory
 * (the postmaster's is; a stale pid file's reused pid is not). Saves starting runuser and
 * pg_ctl under the block, slow on a loaded machine. False: not sent, use pg_ctl.
 */
export function signalPostmaster(dataDir: string, signal: NodeJS.Signals): boolean {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    if (realpathSync(`/proc/${pid}/cwd`) !== realpathSync(dataDir)) return false;
    process.kill(pid, signal);
    return true;
  } catch {
    // No pid file, no /proc (not Linux), not ours to signal (EPERM): pg_ctl decides.
    return false;
  }
}

/**
 * pg_ctl start without pg_ctl's own wait, then waits until postmaster.pid says the server
 * accepts connections. False when the server exited or never became ready in time.
 */
export async function startFast(
  ctl: PgCtl,
  dataDir: string,
  args: string[],
  clock: Clock,
  timeoutMs = 120_000,
): Promise<boolean> {
  await pgCtl(ctl, ["-D", dataDir, ...args, "-W", "start"]);
  const pidFile = join(dataDir, "postmaster.pid");
  const started = clock.now();
  for (;;) {
    const lines = existsSync(pidFile) ? readFileSync(pidFile, "utf8").split("\n") : [];
    const status = lines[7]?.trim();
    if (status === "ready" || status === "standby") return true;
    const pid = Number(lines[0]);
    if (lines.length > 0 && Number.isInteger(pid) && pid > 0 && !alive(pid)) return false;
    // No pid file yet: the postmaster exited before writing it, or has not got that far.
    if (lines.length === 0 && clock.now() - started > 10_000) return false;
    if (clock.now() - started > timeoutMs) return false;
    await clock.sleep(POLL_MS);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by someone else.
    return (e as { code?: string }).code === "EPERM";
  }
}

/** pg_ctl status: true when a server runs on the directory. */
export async function isRunning(ctl: PgCtl, dataDir: string): Promise<boolean> {
  const out = await runCommand({
    argv: argv(ctl, "pg_ctl", ["-D", dataDir, "status"]),
    redact: ctl.redact,
    where: ctl.where,
  });
  return out.exitCode === 0;
}

/** "in production", "in archive recovery", "shut down"... from pg_controldata. */
export async function clusterState(ctl: PgCtl, dataDir: string): Promise<string> {
  const out = await runCommandOk({
    argv: argv(ctl, "pg_controldata", ["-D", dataDir]),
    redact: ctl.redact,
    where: ctl.where,
  });
  return /^Database cluster state:\s*(.+)$/m.exec(out.stdout)?.[1]?.trim() ?? "unknown";
}

/**
 * The options the server on `dataDir` was started with (postmaster.opts, as pg_ctl restart
 * reads it), minus -D: given back to pg_ctl -o so the swapped-in directory starts the same way.
 */
export function startOptions(dataDir: string): string {
  let text: string;
  try {
    text = readFileSync(join(dataDir, "postmaster.opts"), "utf8");
  } catch {
    return "";
  }
  const tokens = [...text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "").slice(1);
  const kept: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === "-D") i++;
    else kept.push(tokens[i] ?? "");
  }
  // pg_ctl hands -o to a shell: single-quote every word.
  return kept.map((t) => `'${t.replace(/'/g, "'\\''")}'`).join(" ");
}

export function failed(ctl: PgCtl, message: string, hint: string, logFile?: string): BackoutError {
  let tail = "";
  if (logFile) {
    try {
      tail = `\n${readFileSync(logFile, "utf8").slice(-1500)}`;
    } catch {
      // no log: nothing to add
    }
  }
  return new BackoutError("PROVIDER_FAILED", ctl.redact(message + tail), {
    where: ctl.where,
    retryable: true,
    hint,
  });
}
