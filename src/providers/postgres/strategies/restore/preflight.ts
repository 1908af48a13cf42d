/**
 * What a restore needs that planning can check, so a restore that cannot succeed fails before
 * its first step: the snapshot's files, and for PITR the data directory (the running server's,
 * on this machine), the WAL archive and pg_ctl.
 */
import { existsSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ProviderContext } from "../../../../core/provider.js";
import type { Queryable } from "../../connection/queryable.js";
import type { PostgresSettings } from "../../settings.js";
import type { SnapshotRecord } from "./snapshot/types.js";

export interface Problem {
  message: string;
  hint: string;
  field?: string;
}

/** The dump file or base backup the restore needs, when it no longer exists. */
export function missingSnapshotFile(snapshot: SnapshotRecord): string | undefined {
  const path = snapshot.mode === "dump" ? snapshot.dumpFile : snapshot.baseBackup;
  return path !== undefined && existsSync(path) ? undefined : (path ?? `the ${snapshot.mode} file`);
}

export async function restorePreflight(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  snapshot: SnapshotRecord,
  db: Queryable,
): Promise<Problem | undefined> {
  if (snapshot.mode !== "pitr") return undefined;
  const pitr = settings.pitr;
  if (pitr === undefined) {
    return {
      message: "the checkpoint took a PITR snapshot, but the component has no pitr settings",
      hint: "Add pitr: { dataDir, walArchive } to the component (as when the checkpoint was taken).",
      field: "pitr",
    };
  }
  const dataDir = resolve(ctx.baseDir, pitr.dataDir);
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    return {
      message: `pitr.dataDir ${dataDir} is not a PostgreSQL data directory on this machine`,
      hint: "Point pitr.dataDir at the live cluster's data directory; a PITR restore runs on the database server's host.",
      field: "pitr.dataDir",
    };
  }
  // Reading data_directory needs superuser or pg_read_all_settings; without it, trust the setting.
  const r = await db
    .query<{ dir: string }>("SELECT current_setting('data_directory') AS dir")
    .catch(() => undefined);
  const served = r?.rows[0]?.dir;
  if (served !== undefined && existsSync(served) && realpathSync(served) !== realpathSync(dataDir)) {
    return {
      message: `pitr.dataDir is ${dataDir}, but the server at the component's url runs on ${served}`,
      hint: "Set pitr.dataDir to the data directory of the server the url points at.",
      field: "pitr.dataDir",
    };
  }
  const archive = snapshot.walArchive ?? resolve(ctx.baseDir, pitr.walArchive);
  if (pitr.restoreCommand === undefined && !existsSync(archive)) {
    return {
      message: `the WAL archive ${archive} does not exist`,
      hint: "Recovery replays WAL from it up to the restore point: point pitr.walArchive at the directory archive_command copies to, or set pitr.restoreCommand.",
      field: "pitr.walArchive",
    };
  }
  const pgBin = ctx.env.BACKOUT_PG_BIN ?? pitr.pgBin;
  if (!existsSync(join(pgBin, "pg_ctl"))) {
    return {
      message: `no pg_ctl in ${pgBin}`,
      hint: "Set pitr.pgBin to the directory of the server's binaries (e.g. /usr/lib/postgresql/15/bin).",
      field: "pitr.pgBin",
    };
  }
  return undefined;
}
