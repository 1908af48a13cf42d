import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { endGroups, processStartTicks, signalGroup } from "./process-group.js";
import type { ProcessAnnouncer } from "./step-processes.js";

/** TERM first; what is still alive this long after gets KILL, and pipes are not waited on longer. */
export const KILL_GRACE_MS = 2000;
/** A Node timer cannot hold more; longer timeouts are clamped (they are bounded in the schema too). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * The gate of an announced program: a shell that waits for one line on fd 3 and then execs the
 * program with its arguments untouched ("$0" "$@": no shell parsing). If backout dies before the
 * line is written, the pipe closes, `read` fails and the program never runs.
 */
const GATE = 'IFS= read -r _ <&3 || exit 125; exec 3<&-; exec "$0" "$@"';
export const GATE_EXIT = 125;

export interface TreeOptions {
  file: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv | Record<string, string | undefined>;
  input: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  announce?: ProcessAnnouncer;
}

export interface TreeResult {
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  canceled: boolean;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
  /** Set when announcing the program failed (it was then never let run). */
  announceError?: unknown;
}

/**
 * Runs a program as the leader of a new process group (setsid). Cancelling or timing out
 * signals the whole group: TERM, then KILL after KILL_GRACE_MS. Output pipes inherited by
 * descendants are waited for at most KILL_GRACE_MS after the program exits, so a grandchild
 * keeping stdout open never holds backout up.
 */
export function runTree(o: TreeOptions): Promise<TreeResult> {
  return new Promise<TreeResult>((resolve) => {
    const gated = o.announce !== undefined;
    const child = spawn(gated ? "/bin/sh" : o.file, gated ? ["-c", GATE, o.file, ...o.args] : o.args, {
      cwd: o.cwd,
      env: o.env,
      detached: true,
      stdio: gated ? ["pipe", "pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    let outBytes = 0;
    const collect = (into: Buffer[]) => (b: Buffer) => {
      if (outBytes > MAX_OUTPUT) return;
      outBytes += b.length;
      into.push(b);
    };
    child.stdout?.on("data", collect(out));
    child.stderr?.on("data", collect(errOut));
    const result: TreeResult = {
      exitCode: undefined,
      signal: undefined,
      stdout: "",
      stderr: "",
      timedOut: false,
      canceled: false,
    };
    const pid = child.pid;
    const timers: NodeJS.Timeout[] = [];
    let killAt: number | undefined;
    let settled = false;
    const terminate = () => {
      if (killAt !== undefined || pid === undefined) return;
      killAt = Date.now() + KILL_GRACE_MS;
      signalGroup(pid, "SIGTERM");
    };
    const onAbort = () => {
      result.canceled = true;
      terminate();
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener("abort", onAbort);
      for (const t of timers) clearTimeout(t);
      if (killAt !== undefined && pid !== undefined) {
        // A cancelled tree is gone before this returns: descendants get the rest of the grace, then KILL.
        void reap(pid, killAt).then(settle);
      } else settle();
    };
    const settle = () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      result.stdout = Buffer.concat(out).toString("utf8");
      result.stderr = Buffer.concat(errOut).toString("utf8");
      resolve(result);
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (pid === undefined) {
        result.spawnError = e;
        finish();
      }
    });
    child.on("exit", (code, sig) => {
      result.exitCode = code ?? undefined;
      result.signal = sig ?? undefined;
      // The leader is done; inherited pipes get a grace period (the rest of it when cancelling), not a blocking wait.
      const wait = killAt === undefined ? KILL_GRACE_MS : Math.max(0, killAt - Date.now());
      timers.push(setTimeout(finish, wait));
    });
    child.on("close", finish);
    if (pid === undefined) return;

    child.stdin?.on("error", () => {});
    child.stdin?.end(o.input);
    if (o.timeoutMs !== undefined && o.timeoutMs > 0) {
      timers.push(
        setTimeout(
          () => {
            result.timedOut = true;
            terminate();
          },
          Math.min(o.timeoutMs, MAX_TIMER_MS),
        ),
      );
    }
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener("abort", onAbort, { once: true });

    const gate = child.stdio[3] as Writable | null | undefined;
    if (o.announce && gate) {
      gate.on("error", () => {});
      const startTicks = processStartTicks(pid);
      o.announce({ pgid: pid, startedAt: Date.now(), ...(startTicks === undefined ? {} : { startTicks }) })
        .then(() => gate.end("go\n"))
        .catch((e: unknown) => {
          // Not journalled, so never let run: closing the gate makes the shell exit.
          result.announceError = e;
          gate.destroy();
          terminate();
        });
    }
  });
}

/** Waits for the group to die until `killAt`, then KILLs what is left and waits for that too. */
function reap(pgid: number, killAt: number): Promise<void> {
  return endGroups([{ pgid }], Math.max(0, killAt - Date.now()));
}
