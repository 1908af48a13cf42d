import type pg from "pg";
import { BackoutError, type ErrorLocation } from "../../../../../core/errors.js";
import { openPgClient } from "../../../connection/client.js";
import type { Queryable } from "../../../connection/queryable.js";
import { unexpectedReply } from "../../../errors.js";

/** Slot names allow [a-z0-9_] and at most 63 characters. */
const MAX_SLOT = 63;

function slotSafe(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_]+/g, "_");
}

/**
 * The slot of one checkpoint: `<base>_<checkpoint id without punctuation>` (base: the `slot`
 * setting or backout_<component>). One slot per checkpoint, so a slot can never deliver the
 * changes of a different checkpoint than the one that recorded it.
 */
export function slotNameFor(base: string, checkpointId: string): string {
  const suffix = `_${checkpointId.toLowerCase().replace(/[^a-z0-9]+/g, "")}`;
  return `${slotSafe(base).slice(0, MAX_SLOT - suffix.length)}${suffix}`;
}

export interface ExportedSlot {
  slot: string;
  consistentPoint: string;
  snapshotName: string;
  /** The replication connection: the snapshot stays valid while it is open and idle. */
  close(): Promise<void>;
}

/** CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT on a replication connection (walsender protocol). */
export async function createSlotWithSnapshot(
  url: string,
  slot: string,
  where: ErrorLocation,
): Promise<ExportedSlot> {
  let repl: pg.Client | undefined;
  try {
    repl = await openPgClient(url, { replication: "database" });
    const conn = repl;
    // Simple-query protocol (no parameters): the walsender grammar takes no bind values; the
    // name is [a-z0-9_] only (slotNameFor), so it needs no quoting.
    const r = await conn.query<{ slot_name: string; consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${slot} LOGICAL wal2json EXPORT_SNAPSHOT`,
    );
    const row = r.rows[0];
    if (!row?.snapshot_name) throw unexpectedReply("the server returned no exported snapshot");
    return {
      slot: row.slot_name,
      consistentPoint: row.consistent_point,
      snapshotName: row.snapshot_name,
      close: () => conn.end().catch(() => undefined),
    };
  } catch (e) {
    await repl?.end().catch(() => undefined);
    throw slotFailure(e, slot, where);
  }
}

/** Turns the usual reasons a slot cannot be created into what to do about them. */
export function slotFailure(e: unknown, slot: string, where: ErrorLocation): BackoutError {
  const msg = e instanceof Error ? e.message : String(e);
  let hint = "Check that the component's user has the REPLICATION attribute and that pg_hba.conf allows it.";
  if (/wal_level/i.test(msg)) hint = "Set wal_level = logical in postgresql.conf and restart PostgreSQL.";
  else if (/wal2json/i.test(msg))
    hint = "Install the wal2json output plugin on the server (Debian: postgresql-15-wal2json).";
  else if (/max_replication_slots|all replication slots are in use/i.test(msg))
    hint = "Raise max_replication_slots (and max_wal_senders) on the server, or drop unused slots.";
  else if (/already exists/i.test(msg))
    hint = `Drop the slot ${slot} (pg_drop_replication_slot) or take a new checkpoint.`;
  return new BackoutError("PROVIDER_FAILED", `cannot create the replication slot ${slot}: ${msg}`, {
    where,
    retryable: false,
    hint,
  });
}

/**
 * Keeps the slots of this component's `keep` newest checkpoints (the new one included) and drops
 * the older ones (inactive, in this database): each slot holds every WAL segment since its
 * checkpoint and would fill the disk. A rollback to an older checkpoint then finds its slot
 * gone, which the plan reports as data loss. Newest first by name: the suffix is the checkpoint
 * id, whose timestamp (c-YYYYMMDD-HHMMSS-xxxx) sorts in time order; a slot's position would
 * not do, since a rollback that drained an older slot moved it past newer ones.
 */
export async function dropOlderSlots(db: Queryable, newest: string, keep: number): Promise<string[]> {
  const r = await db.query<{ slot_name: string }>(
    `SELECT slot_name FROM pg_replication_slots
      WHERE database = current_database() AND slot_type = 'logical' AND NOT active AND slot_name <> $1
      ORDER BY slot_name DESC`,
    [newest],
  );
  // Same base, another checkpoint: everything before the last "_" equal (the suffix has no "_").
  const base = (s: string): string => s.slice(0, s.lastIndexOf("_"));
  const siblings = r.rows.map((x) => x.slot_name).filter((s) => base(s) === base(newest));
  const older = siblings.slice(Math.max(0, keep - 1));
  for (const s of older) await db.query("SELECT pg_drop_replication_slot($1)", [s]);
  return older;
}

export async function dropSlotQuietly(db: Queryable, slot: string): Promise<void> {
  await db.query("SELECT pg_drop_replication_slot($1)", [slot]).catch(() => undefined);
}
