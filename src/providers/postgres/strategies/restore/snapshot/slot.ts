import type pg from "pg";
import { BackoutError, type ErrorLocation } from "../../../../../core/errors.js";
import { openPgClient } from "../../../connection/client.js";
import type { Queryable } from "../../../connection/queryable.js";
import { failureOf, sqlState, unexpectedReply } from "../../../errors.js";

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

/** What to do when a slot cannot be created, by SQLSTATE (what the server raises, not its wording). */
const SLOT_HINTS: Readonly<Record<string, (slot: string) => string>> = {
  // configuration_limit_exceeded: "all replication slots are in use".
  "53400": (slot) =>
    "Every replication slot of the server is taken (max_replication_slots). Raise max_replication_slots " +
    "in postgresql.conf and restart PostgreSQL, or drop slots no longer needed: list them with " +
    "SELECT slot_name, active FROM pg_replication_slots; and drop an inactive one with " +
    `SELECT pg_drop_replication_slot('<name>'); (this component's are ${slotBase(slot)}_<checkpoint id>; ` +
    "a dropped slot's checkpoint can no longer be restored, a lower keepSnapshots keeps fewer). " +
    "Then take the checkpoint again.",
  // duplicate_object: "replication slot ... already exists".
  "42710": (slot) => `Drop the slot: SELECT pg_drop_replication_slot('${slot}'); or take a new checkpoint.`,
  // object_in_use: "replication slot ... is active for PID ...".
  "55006": (slot) =>
    `Another session uses the slot ${slot} (pg_replication_slots.active_pid); let it end, then take the checkpoint again.`,
  // object_not_in_prerequisite_state: wal_level below logical, or max_replication_slots = 0.
  "55000": () =>
    "Set wal_level = logical and max_replication_slots above 0 in postgresql.conf and restart PostgreSQL.",
  // undefined_file: the output plugin's library is missing.
  "58P01": () => "Install the wal2json output plugin on the server (Debian: postgresql-15-wal2json).",
  // insufficient_privilege: no REPLICATION attribute.
  "42501": () =>
    "Give the component's user the REPLICATION attribute (ALTER ROLE <user> REPLICATION) and let pg_hba.conf allow it.",
};

const DEFAULT_HINT =
  "Check that the component's user has the REPLICATION attribute and that pg_hba.conf allows it.";

/**
 * Why a slot cannot be created, and what to do about it. The code and whether to retry come
 * from the provider's one classification by SQLSTATE (errors.ts): all slots in use is
 * PG_LIMIT_REACHED, not retried; the hint is the slot's own for the SQLSTATE.
 */
export function slotFailure(e: unknown, slot: string, where: ErrorLocation): BackoutError {
  const msg = e instanceof Error ? e.message : String(e);
  const message = `cannot create the replication slot ${slot}: ${msg}`;
  if (e instanceof BackoutError) {
    return new BackoutError(e.code, message, {
      where,
      retryable: e.retryable,
      ...(e.hint === undefined ? {} : { hint: e.hint }),
      cause: e,
    });
  }
  const c = failureOf(e, (t) => t, where);
  const state = sqlState(e);
  const own = state === undefined ? undefined : SLOT_HINTS[state];
  return new BackoutError(c.code, message, {
    where,
    retryable: c.retryable,
    ...(c.details === undefined ? {} : { details: c.details }),
    // A transient failure (the connection, the server) keeps the classification's advice.
    hint: own?.(slot) ?? (c.retryable ? (c.hint ?? DEFAULT_HINT) : DEFAULT_HINT),
  });
}

/** The slot name without its checkpoint suffix: everything before the last "_" (the suffix has none). */
function slotBase(slot: string): string {
  return slot.slice(0, slot.lastIndexOf("_"));
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
  // Same base, another checkpoint.
  const siblings = r.rows.map((x) => x.slot_name).filter((s) => slotBase(s) === slotBase(newest));
  const older = siblings.slice(Math.max(0, keep - 1));
  for (const s of older) await db.query("SELECT pg_drop_replication_slot($1)", [s]);
  return older;
}

export async function dropSlotQuietly(db: Queryable, slot: string): Promise<void> {
  await db.query("SELECT pg_drop_replication_slot($1)", [slot]).catch(() => undefined);
}
