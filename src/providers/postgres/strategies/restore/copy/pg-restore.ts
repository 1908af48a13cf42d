/**
 * Runs pg_restore of a checkpoint dump (pg_dump -Fc) into a database. The password travels in
 * PGPASSWORD, never on the command line (other users of the host can read argv).
 */
import { BackoutError, type ErrorLocation } from "../../../../../core/errors.js";
import { runPgTool } from "../../../tools/run-pg-tool.js";

export interface PgRestoreInput {
  url: string;
  database: string;
  dumpFile: string;
  pgBin?: string;
  jobs: number;
  redact: (t: string) => string;
  where: ErrorLocation;
  signal?: AbortSignal;
}

export async function pgRestore(input: PgRestoreInput): Promise<number> {
  const u = new URL(input.url);
  u.pathname = `/${encodeURIComponent(input.database)}`;
  const run = {
    bin: input.pgBin,
    url: u.toString(),
    env: process.env,
    signal: input.signal,
    redact: input.redact,
    where: input.where,
  };
  const out = await runPgTool(run, "pg_restore", (url) => [
    "--exit-on-error",
    "--no-password",
    `--jobs=${input.jobs}`,
    `--dbname=${url}`,
    input.dumpFile,
  ]);
  if (out.exitCode !== 0) {
    throw new BackoutError(
      "PROVIDER_FAILED",
      input.redact(
        `pg_restore of ${input.dumpFile} into ${input.database} failed (exit ${out.exitCode}): ${out.stderr.slice(-1500)}`,
      ),
      {
        where: input.where,
        retryable: true,
        hint: "The live database is untouched. Check that the dump file is complete and that pg_restore is at least as new as the server that made it (set pgBin), then resume: the half-restored copy is dropped and restored again.",
      },
    );
  }
  return out.durationMs;
}
