/**
 * Moving a slot's restart point up to now, so the next drain reads little WAL.
 *
 * A drain decodes from the slot's restart_lsn, and PostgreSQL moves that point only to a
 * running-xacts record a decode went past (the bgwriter logs one every 15 s), one confirmation
 * late. After a bulk replay into a copy on the same server (dump mode), the restart point lags
 * behind hundreds of MB of that replay's WAL, and a drain under the block would read them all
 * again: the block would grow with the writes since the checkpoint. So, while the database still
 * serves: log a running-xacts record now, drain past it, and again, until the WAL left to decode
 * is small. The record is logged by creating a temporary logical slot (it needs only
 * REPLICATION, which draining needs anyway; CHECKPOINT and pg_log_standby_snapshot need more).
 */
import type { Queryable } from "../../../connection/queryable.js";
import { drainSlot, type DrainOptions, walBehind } from "./drain.js";
import type { CaptureStore } from "./types.js";

/** The next drain may read this much WAL: a few hundred ms on a loaded machine. */
export const SETTLED_BYTES = 16 * 1024 * 1024;
const TRIES = 3;
/** Creating the marker slot waits for the transactions running then; never longer than this. */
const MARK_TIMEOUT_MS = 5000;

export interface Settled {
  /** WAL between the restart point and the flush point, before and after. */
  beforeBytes: number;
  afterBytes: number;
  /** Drains this took (each stores what committed meanwhile, like any drain). */
  drains: number;
  added: number;
}

/** `db` must be one connection on the slot's database (drains use a cursor). */
export async function settleSlot(
  db: Queryable,
  slot: string,
  store: CaptureStore,
  opts: DrainOptions,
): Promise<Settled> {
  const beforeBytes = await walBehind(db, slot);
  let afterBytes = beforeBytes;
  let drains = 0;
  let added = 0;
  while (afterBytes > SETTLED_BYTES && drains < TRIES) {
    await logRunningXacts(db, slot);
    added += (await drainSlot(db, slot, store, opts)).added;
    drains += 1;
    afterBytes = await walBehind(db, slot);
  }
  return { beforeBytes, afterBytes, drains, added };
}

/** Replication slots free on the server (max_replication_slots less those that exist). */
export async function freeSlots(db: Queryable): Promise<{ free: number; max: number }> {
  const { rows } = await db.query<{ max: number; used: number }>(
    `SELECT current_setting('max_replication_slots')::int AS max,
            (SELECT count(*)::int FROM pg_replication_slots) AS used`,
  );
  const max = rows[0]?.max ?? 0;
  return { free: Math.max(0, max - (rows[0]?.used ?? 0)), max };
}

/** What plan and checkpoint say when no slot is free for the settle step's marker slot. */
export function noFreeSlotWarning(max: number): string {
  return `no replication slot is free (max_replication_slots = ${max}, all in use): a restore's settle step needs one for a moment, and without it the database refuses connections while the last drain reads the WAL written since the slot's restart point (in dump mode the replay's own), which grows with the writes since the checkpoint; raise max_replication_slots or drop an unused slot`;
}

/**
 * Creating a logical slot logs a running-xacts record (ReplicationSlotReserveWal). A temporary
 * slot goes with the session at the latest; it is dropped at once. Best effort: without a free
 * slot, or with a long transaction open past the timeout, the drain under the block reads more.
 */
async function logRunningXacts(db: Queryable, slot: string): Promise<void> {
  const mark = `${slot.slice(0, 50)}_mark`;
  try {
    await db.query("BEGIN");
    await db.query(`SET LOCAL statement_timeout = ${MARK_TIMEOUT_MS}`);
    await db.query("SELECT pg_create_logical_replication_slot($1, 'wal2json', true)", [mark]);
    await db.query("SELECT pg_drop_replication_slot($1)", [mark]);
    await db.query("COMMIT");
  } catch {
    await db.query("ROLLBACK").catch(() => undefined);
    await db
      .query("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [
        mark,
      ])
      .catch(() => undefined);
  }
}
