import { mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { BackoutError } from "../../../../../core/errors.js";
import type { ComponentState } from "../../../../../core/model.js";
import type { ProviderContext } from "../../../../../core/provider.js";
import { capturePostgres } from "../../../capture/state.js";
import { withPostgres, type PgSession } from "../../../connection/session.js";
import { migrationSet } from "../../../layouts/migration-set.js";
import { privilegeInput, requirePrivileges } from "../../../preflight/privileges.js";
import { readSettings, type PostgresSettings } from "../../../settings.js";
import { compareLsn } from "./lsn.js";
import { baseBackupDirFor, dumpFileFor, restorePointName } from "./paths.js";
import { pgBinFor, type PgToolRun } from "../../../tools/run-pg-tool.js";
import { baseBackup, dumpAtSnapshot } from "./pg-tools.js";
import { keepNewestSnapshots } from "./retention.js";
import { freeSlots, noFreeSlotWarning } from "./settle.js";
import { createSlotWithSnapshot, dropSlotQuietly, slotFailure, slotNameFor } from "./slot.js";
import type { SnapshotRecord } from "./types.js";
import { uncapturableTables } from "./uncapturable.js";

/**
 * Provider.checkpoint for `snapshot: dump | pitr`: the normal capture state plus
 * details.snapshot (a SnapshotRecord). dump: slot with an exported snapshot, restore point,
 * pg_dump at that snapshot (so dump + slot changes = every write, none twice). pitr: base
 * backup, slot, restore point, then the slot advanced to the restore point (recovery to
 * the restore point already holds what committed before it). With `snapshot: none` this is capture().
 */
export async function checkpointPostgres(
  ctx: ProviderContext<PostgresSettings>,
  checkpointId: string,
): Promise<ComponentState> {
  const settings = readSettings(ctx);
  const where = { component: ctx.component.name };
  if (settings.snapshot !== "none") {
    // Before anything is created: a role that cannot take the snapshot, or restore it in an
    // incident, is told now, naming each missing privilege.
    const set = await migrationSet(ctx, settings);
    const strategy = settings.snapshot === "pitr" ? "restore-pitr" : "restore-dump";
    await withPostgres(ctx, settings, where, ({ client }) =>
      requirePrivileges(
        client,
        privilegeInput(settings, set.format, strategy, set.layout),
        where,
        "checkpoint",
      ),
    );
  }
  const state = await capturePostgres(ctx);
  if (settings.snapshot === "none") return state;
  const slot = slotNameFor(settings.slot ?? `backout_${ctx.component.name}`, checkpointId);
  const record = await withPostgres(ctx, settings, where, async (session) => {
    await preflight(session, settings.snapshot === "pitr");
    const run = await toolRun(ctx, settings, session);
    const snapshot =
      settings.snapshot === "dump"
        ? await dumpSnapshot(ctx, checkpointId, session, run, slot)
        : await pitrSnapshot(ctx, settings, checkpointId, session, run, slot);
    const file = snapshot.dumpFile ?? snapshot.baseBackup ?? "";
    await keepNewestSnapshots(session.client, { slot, file, dir: dirname(file) }, settings.keepSnapshots);
    return {
      snapshot,
      uncaptured: await uncapturableTables(session.client, settings.schema),
      slots: await freeSlots(session.client),
    };
  });
  const extra = record.uncaptured.length > 0 ? { uncapturedTables: record.uncaptured } : {};
  const note =
    snapshotNote(record.snapshot, record.uncaptured) +
    (record.slots.free === 0 ? `; WARNING: ${noFreeSlotWarning(record.slots.max)}` : "");
  return { ...state, details: { ...state.details, snapshot: record.snapshot, ...extra, note } };
}

/** One line for `backout checkpoint`: what was taken, and what a replay will not be able to match. */
function snapshotNote(snapshot: SnapshotRecord, keyless: string[]): string {
  const file = snapshot.dumpFile ?? snapshot.baseBackup ?? "";
  const size = snapshot.dumpFile ? ` (${(statSync(file).size / 1048576).toFixed(1)} MiB)` : "";
  const what = snapshot.mode === "dump" ? `dump ${file}${size}` : `base backup ${file}`;
  const warn =
    keyless.length > 0
      ? `; no primary key on ${keyless.join(", ")}: their updates and deletes will be archived, not replayed`
      : "";
  return `${what}, slot ${snapshot.slot}, restore point ${snapshot.restorePoint}${warn}`;
}

async function dumpSnapshot(
  ctx: ProviderContext<PostgresSettings>,
  checkpointId: string,
  session: PgSession,
  run: PgToolRun,
  slot: string,
): Promise<SnapshotRecord> {
  const file = dumpFileFor(ctx, checkpointId);
  mkdirSync(dirname(file), { recursive: true });
  const exported = await createSlotWithSnapshot(run.url, slot, session.where);
  try {
    const rp = await restorePoint(session, restorePointName(ctx, checkpointId));
    // The replication connection stays open and idle until pg_dump has imported the snapshot.
    await dumpAtSnapshot(run, exported.snapshotName, file);
    return {
      mode: "dump",
      checkpointId,
      slot,
      slotLsn: exported.consistentPoint,
      restorePoint: rp.name,
      restoreLsn: rp.lsn,
      dumpFile: file,
      database: session.target.database,
      createdAt: ctx.clock.now(),
    };
  } catch (e) {
    // A slot nobody will drain keeps WAL forever: remove it with the partial dump.
    await exported.close();
    await dropSlotQuietly(session.client, slot);
    rmSync(file, { force: true });
    throw e;
  } finally {
    await exported.close();
  }
}

async function pitrSnapshot(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  checkpointId: string,
  session: PgSession,
  run: PgToolRun,
  slot: string,
): Promise<SnapshotRecord> {
  const pitr = settings.pitr;
  if (!pitr) {
    throw new BackoutError("CONFIG_INVALID", "snapshot: pitr needs the pitr settings (dataDir, walArchive)", {
      where: { component: ctx.component.name, field: "pitr" },
      hint: "Add pitr: { dataDir: <the cluster's data directory>, walArchive: <where archive_command copies WAL> } to the component.",
    });
  }
  const dir = baseBackupDirFor(ctx, checkpointId);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  // The base backup must end before the restore point, or recovery cannot stop there.
  await baseBackup(run, dir);
  let created = false;
  try {
    const s = await session.client
      .query<{ lsn: string }>(
        "SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'wal2json')",
        [slot],
      )
      .catch((e: unknown) => {
        throw slotFailure(e, slot, session.where);
      });
    created = true;
    const rp = await restorePoint(session, restorePointName(ctx, checkpointId));
    // Close the segment holding the restore point so archive_command ships it now; this also
    // flushes it, and a slot cannot be advanced past the flushed WAL.
    await session.client.query("SELECT pg_switch_wal()");
    // Changes committed before the restore point come back with recovery: skip them in the slot.
    const adv = await session.client.query<{ lsn: string }>(
      "SELECT end_lsn::text AS lsn FROM pg_replication_slot_advance($1, $2::pg_lsn)",
      [slot, rp.lsn],
    );
    const reached = adv.rows[0]?.lsn ?? "0/0";
    if (compareLsn(reached, rp.lsn) < 0) {
      throw new BackoutError(
        "PROVIDER_FAILED",
        `the slot ${slot} stopped at ${reached}, before the restore point ${rp.lsn}`,
        {
          where: session.where,
          retryable: true,
          hint: "Take the checkpoint again.",
        },
      );
    }
    return {
      mode: "pitr",
      checkpointId,
      slot,
      slotLsn:
        s.rows[0] === undefined ? rp.lsn : compareLsn(s.rows[0].lsn, rp.lsn) > 0 ? s.rows[0].lsn : rp.lsn,
      restorePoint: rp.name,
      restoreLsn: rp.lsn,
      baseBackup: dir,
      walArchive: resolve(ctx.baseDir, pitr.walArchive),
      database: session.target.database,
      createdAt: ctx.clock.now(),
    };
  } catch (e) {
    if (created) await dropSlotQuietly(session.client, slot);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function restorePoint(session: PgSession, name: string): Promise<{ name: string; lsn: string }> {
  const r = await session.client.query<{ lsn: string }>("SELECT pg_create_restore_point($1)::text AS lsn", [
    name,
  ]);
  return { name, lsn: r.rows[0]?.lsn ?? "" };
}

async function preflight(session: PgSession, pitr: boolean): Promise<void> {
  const r = await session.client.query<{ wal_level: string; archive_mode: string }>(
    "SELECT current_setting('wal_level') AS wal_level, current_setting('archive_mode') AS archive_mode",
  );
  const row = r.rows[0];
  if (row?.wal_level !== "logical") {
    throw new BackoutError(
      "PROVIDER_FAILED",
      `wal_level is ${row?.wal_level ?? "?"}; restore-and-replay needs logical`,
      {
        where: session.where,
        hint: "Set wal_level = logical in postgresql.conf and restart PostgreSQL, or set snapshot: none.",
      },
    );
  }
  if (pitr && row.archive_mode === "off") {
    throw new BackoutError("PROVIDER_FAILED", "archive_mode is off; snapshot: pitr needs a WAL archive", {
      where: session.where,
      hint: "Set archive_mode = on and an archive_command that copies WAL to pitr.walArchive, then restart PostgreSQL.",
    });
  }
}

async function toolRun(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  session: PgSession,
): Promise<PgToolRun> {
  const v = await session.client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return {
    bin: pgBinFor(settings.pitr?.pgBin, Number(v.rows[0]?.v ?? 0)),
    url: settings.url,
    env: ctx.env,
    signal: ctx.signal,
    redact: session.redact,
    where: session.where,
  };
}
