import { runPgToolOk, type PgToolRun } from "../../../tools/run-pg-tool.js";

/** pg_dump -Fc at an exported snapshot: exactly the database as the slot's consistent point sees it. */
export async function dumpAtSnapshot(run: PgToolRun, snapshotName: string, file: string): Promise<void> {
  await runPgToolOk(run, "pg_dump", (url) => [
    "--format=custom",
    `--snapshot=${snapshotName}`,
    "--file",
    file,
    "--dbname",
    url,
  ]);
}

/** pg_basebackup (plain format, WAL streamed in, immediate checkpoint) into `dir`. */
export async function baseBackup(run: PgToolRun, dir: string): Promise<void> {
  await runPgToolOk(run, "pg_basebackup", (url) => [
    "--pgdata",
    dir,
    "--format=plain",
    "--wal-method=stream",
    // Without it pg_basebackup waits for the next scheduled checkpoint (up to checkpoint_timeout).
    "--checkpoint=fast",
    "--dbname",
    url,
  ]);
}
