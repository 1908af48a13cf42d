/**
 * `backout doctor` for PostgreSQL: reachable, the migration files and history readable, the
 * rights the strategy needs, the replication slot and the WAL it holds, and disk for snapshots.
 */
import { readdir, statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { checked, fail, pass, warn, type DoctorCheck } from "../../../core/doctor-check.js";
import type { ProviderContext } from "../../../core/provider.js";
import { capturePostgres } from "../capture/state.js";
import { withPostgres } from "../connection/session.js";
import { privilegeChecks } from "./doctor-privileges.js";
import type { MigrationFormat } from "../layouts/layout.js";
import { migrationSet } from "../layouts/migration-set.js";
import { readSettings, type PostgresSettings } from "../settings.js";
import { snapshotDirOf } from "../strategies/restore/snapshot/paths.js";

const MB = 1024 * 1024;

export async function doctorPostgres(ctx: ProviderContext<PostgresSettings>): Promise<DoctorCheck[]> {
  const settings = readSettings(ctx);
  const where = { component: ctx.component.name };
  const reach = await checked("reachable", () =>
    withPostgres(ctx, settings, where, async ({ client, target }) => {
      const r = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      return `${target.safeUrl} answers (PostgreSQL ${r.rows[0]?.v ?? "?"})`;
    }),
  );
  if (reach.status === "fail") return [reach];
  const checks: DoctorCheck[] = [reach];
  checks.push(
    await checked("migrations", async () => {
      const dir = resolve(ctx.baseDir, settings.migrations);
      const files = await readdir(dir).catch(() => undefined);
      if (files === undefined || files.length === 0) {
        return fail(
          "migrations",
          `${dir} ${files === undefined ? "is not a readable directory" : "is empty"}`,
          "Point migrations: at the directory of the migration files (relative to backout.yaml): the down scripts are read from there.",
        );
      }
      const state = await capturePostgres(ctx);
      const applied = Array.isArray(state.details?.applied) ? state.details.applied.length : 0;
      return `${String(state.details?.format)} files in ${settings.migrations}; ${applied} applied, at version ${state.version}`;
    }),
  );
  let dbBytes = 0;
  let more: DoctorCheck[] = [];
  // The history table to check depends on the tool; when the files cannot tell, the setting does.
  const set = await migrationSet(ctx, settings).catch(() => undefined);
  const format: MigrationFormat = set?.format ?? (settings.format === "auto" ? "dbmate" : settings.format);
  const rights = await checked("privileges", () =>
    withPostgres(ctx, settings, where, async ({ client }) => {
      more = await privilegeChecks(client, settings, ctx.dataLossPolicy, format, set?.layout);
      if (settings.snapshot !== "none") more.push(await slotCheck(client, settings, ctx.component.name));
      const size = await client.query<{ b: string }>(
        "SELECT pg_database_size(current_database())::text AS b",
      );
      dbBytes = Number(size.rows[0]?.b ?? 0);
      return "read from the catalogs";
    }),
  );
  checks.push(...(rights.status === "fail" || more.length === 0 ? [rights] : more));
  if (settings.snapshot !== "none") checks.push(await diskCheck(snapshotDirOf(ctx), dbBytes));
  return checks;
}

async function slotCheck(
  client: import("pg").Client,
  settings: PostgresSettings,
  component: string,
): Promise<DoctorCheck> {
  const base = (settings.slot ?? `backout_${component}`).toLowerCase().replace(/[^a-z0-9_]+/g, "_");
  const { rows } = await client.query<{
    slot_name: string;
    wal_status: string | null;
    retained: string | null;
  }>(
    `SELECT slot_name, wal_status,
            pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS retained
       FROM pg_replication_slots WHERE slot_name LIKE $1 ORDER BY slot_name DESC`,
    [`${base}\\_%`],
  );
  if (rows.length === 0) {
    return warn(
      "replication slot",
      `no slot ${base}_* yet`,
      "Take a checkpoint (`backout checkpoint --good`): it creates the slot a restore replays from.",
    );
  }
  const lost = rows.filter((r) => r.wal_status === "lost").map((r) => r.slot_name);
  if (lost.length > 0) {
    return fail(
      "replication slot",
      `slot(s) ${lost.join(", ")} lost their WAL (max_slot_wal_keep_size)`,
      "Take a new checkpoint; writes since the lost one cannot be replayed (raise max_slot_wal_keep_size).",
    );
  }
  return pass(
    "replication slot",
    rows.map((r) => `${r.slot_name} retains ${r.retained ?? "0 bytes"}`).join("; "),
  );
}

/** A dump is at most about the database's size: warn below twice that free, fail below once. */
async function diskCheck(dir: string, dbBytes: number): Promise<DoctorCheck> {
  let probe = dir;
  for (;;) {
    try {
      const s = await statfs(probe);
      const free = s.bavail * s.bsize;
      const text = `${Math.round(free / MB)} MB free at ${probe} for snapshots of a ${Math.round(dbBytes / MB)} MB database`;
      if (free < dbBytes)
        return fail("disk for snapshots", text, "Free space or move snapshotDir to a larger disk.");
      if (free < 2 * dbBytes)
        return warn("disk for snapshots", text, "Keep at least twice the database's size free for dumps.");
      return pass("disk for snapshots", text);
    } catch {
      const up = dirname(probe);
      if (up === probe) return warn("disk for snapshots", `cannot measure ${dir}`, "Check snapshotDir.");
      probe = up;
    }
  }
}
