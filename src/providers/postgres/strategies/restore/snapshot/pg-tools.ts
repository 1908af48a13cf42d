import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ErrorLocation } from "../../../../../core/errors.js";
import { runCommandOk } from "../../../../../process/run-command.js";

/** Everything a PostgreSQL client program needs to run for one component. */
export interface PgToolRun {
  /** Directory of pg_dump / pg_basebackup, or "" to use PATH. */
  bin: string;
  url: string;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  redact: (text: string) => string;
  where: ErrorLocation;
}

/**
 * The client programs of the server's own major version (Debian keeps each under
 * /usr/lib/postgresql/<major>/bin): an older pg_dump refuses a newer server.
 */
export function pgBinFor(configured: string | undefined, serverVersionNum: number): string {
  if (configured !== undefined) return configured;
  const debian = `/usr/lib/postgresql/${Math.floor(serverVersionNum / 10000)}/bin`;
  return existsSync(join(debian, "pg_dump")) ? debian : "";
}

/** The URL without its password, and the password in PGPASSWORD: argv is visible to `ps`. */
export function libpqArgs(
  url: string,
  env: Record<string, string | undefined>,
): { url: string; env: Record<string, string | undefined> } {
  try {
    const u = new URL(url);
    if (u.password === "") return { url, env };
    const password = decodeURIComponent(u.password);
    u.password = "";
    return { url: u.toString(), env: { ...env, PGPASSWORD: password } };
  } catch {
    return { url, env };
  }
}

/**
 * Runs one client program of `run.bin` against `run.url` (given last, as `--dbname`), its
 * password passed in PGPASSWORD rather than argv.
 */
async function runPgTool(run: PgToolRun, name: string, args: string[]): Promise<void> {
  const { url, env } = libpqArgs(run.url, run.env);
  await runCommandOk({
    argv: [run.bin === "" ? name : join(run.bin, name), ...args, "--dbname", url],
    env,
    signal: run.signal,
    redact: run.redact,
    where: run.where,
  });
}

/** pg_dump -Fc at an exported snapshot: exactly the database as the slot's consistent point sees it. */
export async function dumpAtSnapshot(run: PgToolRun, snapshotName: string, file: string): Promise<void> {
  await runPgTool(run, "pg_dump", ["--format=custom", `--snapshot=${snapshotName}`, "--file", file]);
}

/** pg_basebackup (plain format, WAL streamed in, immediate checkpoint) into `dir`. */
export async function baseBackup(run: PgToolRun, dir: string): Promise<void> {
  await runPgTool(run, "pg_basebackup", [
    "--pgdata",
    dir,
    "--format=plain",
    "--wal-method=stream",
    // Without it pg_basebackup waits for the next scheduled checkpoint (up to checkpoint_timeout).
    "--checkpoint=fast",
  ]);
}
