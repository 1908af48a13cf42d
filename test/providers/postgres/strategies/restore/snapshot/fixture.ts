/** Shared pieces of the snapshot/capture tests: a logical-decoding cluster and a capture store. */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ComponentState } from "../../../../../../src/core/model.js";
import type { SnapshotRecord } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/types.js";
import { PG_BIN, startPostgres, type PgCluster } from "../../../../../support/postgres.js";

export const LOGICAL = { wal_level: "logical", max_replication_slots: "10", max_wal_senders: "10" };

/** A cluster with wal_level=logical; fails (not skips) without the wal2json plugin. */
export async function startLogicalCluster(extra: Record<string, string> = {}): Promise<PgCluster> {
  const lib = join(PG_BIN, "..", "lib", "wal2json.so");
  if (!existsSync(lib)) {
    throw new Error(`no wal2json plugin at ${lib}: install the Debian package postgresql-15-wal2json`);
  }
  return startPostgres({ settings: { ...LOGICAL, ...extra } });
}

export { tempDir } from "../../../../../support/temp-dir.js";

export async function createSlot(cluster: PgCluster, db: string, slot: string): Promise<void> {
  await cluster.sql("SELECT pg_create_logical_replication_slot($1, 'wal2json')", [slot], db);
}

export async function confirmedFlush(cluster: PgCluster, slot: string): Promise<string> {
  const rows = await cluster.sql(
    "SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1",
    [slot],
  );
  return String(rows[0]?.lsn);
}

/** details.snapshot of a checkpoint's state (fails the test when absent). */
export function snapshotOf(state: ComponentState): SnapshotRecord {
  const snap = state.details?.snapshot as SnapshotRecord | undefined;
  if (!snap) throw new Error(`no details.snapshot in ${JSON.stringify(state)}`);
  return snap;
}
