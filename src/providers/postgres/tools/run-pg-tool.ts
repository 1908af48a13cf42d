/**
 * PostgreSQL's client programs (pg_dump, pg_restore, pg_basebackup), run one way everywhere:
 * from the configured directory or PATH, the URL without its password in argv (other users of
 * the host can read it with `ps`) and the password in PGPASSWORD.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ErrorLocation } from "../../../core/errors.js";
import {
  runCommand,
  runCommandOk,
  type CommandOutput,
  type RunCommandOptions,
} from "../../../process/run-command.js";

/** Everything a PostgreSQL client program needs to run for one component. */
export interface PgToolRun {
  /** Directory of pg_dump, pg_restore and pg_basebackup; "" or undefined: found on PATH. */
  bin: string | undefined;
  url: string;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  redact: (text: string) => string;
  where?: ErrorLocation;
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

/** A program's arguments, given the URL without its password to place (`--dbname URL`, `--dbname=URL`). */
export type PgToolArgs = (url: string) => string[];

function command(run: PgToolRun, name: string, args: PgToolArgs): RunCommandOptions {
  const { url, env } = libpqArgs(run.url, run.env);
  return {
    argv: [run.bin ? join(run.bin, name) : name, ...args(url)],
    env,
    redact: run.redact,
    ...(run.signal === undefined ? {} : { signal: run.signal }),
    ...(run.where === undefined ? {} : { where: run.where }),
  };
}

/** Runs client program `name` against `run.url`; resolves whatever its exit code, like runCommand. */
export function runPgTool(run: PgToolRun, name: string, args: PgToolArgs): Promise<CommandOutput> {
  return runCommand(command(run, name, args));
}

/** Like runPgTool, but a non-zero exit is a retryable COMMAND_FAILED, like runCommandOk. */
export function runPgToolOk(run: PgToolRun, name: string, args: PgToolArgs): Promise<CommandOutput> {
  return runCommandOk(command(run, name, args));
}
