/**
 * PostgreSQL's client programs (pg_dump, pg_restore, pg_basebackup), run one way everywhere:
 * from the configured directory or PATH, the URL without its password in argv (other users of
 * the host can read it with `ps`) and the password in PGPASSWORD.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BackoutError, type ErrorLocation } from "../../../core/errors.js";
import {
  runCommand,
  runCommandOk,
  type CommandOutput,
  type RunCommandOptions,
} from "../../../process/run-command.js";
import { isPasswordParam, safeDecode } from "../../url-password.js";

/** Everything a PostgreSQL client program needs to run for one component. */
export interface PgToolRun {
  /** Directory of pg_dump, pg_restore and pg_basebackup; "" or undefined: found on PATH. */
  bin: string | undefined;
  url: string;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Default: none (the caller's signal bounds it). */
  timeoutMs?: number;
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

/**
 * The URL without its password, and the password in PGPASSWORD: argv is visible to `ps`. The
 * password is the one pg connects with (connection/): from the `password` query parameter, else
 * the URL's own, percent-decoded when that is valid and as written when not (libpq itself would
 * refuse such a URL, after `ps` had shown it). A URL that cannot be parsed is refused: nothing
 * could say where its password is.
 */
export function libpqArgs(
  url: string,
  env: Record<string, string | undefined>,
  where?: ErrorLocation,
): { url: string; env: Record<string, string | undefined> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BackoutError(
      "CONFIG_INVALID",
      "the PostgreSQL url is not a valid URL, so it is not given to PostgreSQL's client programs (their command line is visible to every user of the host)",
      {
        ...(where === undefined ? {} : { where }),
        hint: "Write the url as postgres://user:password@host:port/database, percent-encoding reserved characters in the user and password (@ as %40, : as %3A, / as %2F, % as %25).",
      },
    );
  }
  const query = u.search.replace(/^\?/, "").split("&");
  // The last one counts, as in pg and libpq.
  const queryPassword = query.filter(isPasswordParam).at(-1);
  if (u.password === "" && queryPassword === undefined) return { url, env };
  // The query's password wins, as in pg and libpq; an empty one does not count in pg.
  const fromQuery =
    queryPassword === undefined ? "" : (new URLSearchParams(queryPassword).get("password") ?? "");
  const password = fromQuery === "" ? safeDecode(u.password) : fromQuery;
  u.password = "";
  // Rebuilt by hand, not through searchParams: that re-encodes the rest (a space as +, which libpq reads as +).
  if (queryPassword !== undefined) u.search = query.filter((p) => !isPasswordParam(p)).join("&");
  return { url: u.toString(), env: { ...env, PGPASSWORD: password } };
}

/** A program's arguments, given the URL without its password to place (`--dbname URL`, `--dbname=URL`). */
export type PgToolArgs = (url: string) => string[];

function command(run: PgToolRun, name: string, args: PgToolArgs): RunCommandOptions {
  const { url, env } = libpqArgs(run.url, run.env, run.where);
  return {
    argv: [run.bin ? join(run.bin, name) : name, ...args(url)],
    env,
    redact: run.redact,
    ...(run.signal === undefined ? {} : { signal: run.signal }),
    ...(run.timeoutMs === undefined ? {} : { timeoutMs: run.timeoutMs }),
    ...(run.where === undefined ? {} : { where: run.where }),
  };
}

/** Runs client program `name` against `run.url`; resolves whatever its exit code, like runCommand. */
export async function runPgTool(run: PgToolRun, name: string, args: PgToolArgs): Promise<CommandOutput> {
  return runCommand(command(run, name, args));
}

/** Like runPgTool, but a non-zero exit is a retryable COMMAND_FAILED, like runCommandOk. */
export async function runPgToolOk(run: PgToolRun, name: string, args: PgToolArgs): Promise<CommandOutput> {
  return runCommandOk(command(run, name, args));
}
