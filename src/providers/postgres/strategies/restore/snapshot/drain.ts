import { BackoutError } from "../../../../../core/errors.js";
import type { Queryable } from "../../../connection/queryable.js";
import { compareLsn } from "./lsn.js";
import type { CaptureStore, CapturedChange } from "./types.js";
import { tableMatcher } from "../table-matcher.js";
import { toStored, TransactionReader } from "./transactions.js";
import { WAL2JSON_OPTIONS, type SlotRow } from "./wal2json.js";
import { unexpectedReply } from "../../../errors.js";

export interface DrainOptions {
  /** The migration tool's history table(s): "schema_migrations" (any schema) or "public.schema_migrations". */
  historyTables: string[];
  /** Rows fetched per round trip, and changes stored per store transaction (whole transactions always). */
  batchRows?: number;
}

// A few MB of JSON per fetch and per store commit: fewer, bigger rounds are measurably faster.
const DEFAULT_BATCH = 20_000;

export interface DrainResult {
  added: number;
  lastLsn?: string;
  /** WAL the server read to decode this drain: from the slot's restart point to the flush point. */
  walBytes: number;
}

export async function slotExists(db: Queryable, slot: string): Promise<boolean> {
  const r = await db.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot]);
  return r.rows.length > 0;
}

/**
 * Moves every change committed in the slot into the capture store, in commit order: one peek
 * up to the WAL flushed when the drain began (so it ends even while writers keep writing;
 * callers drain again once writes are blocked), read through a cursor, so every change is
 * decoded once however large its transaction (a backfill of a million rows is one). Whole
 * transactions are stored (durably), and only then is the slot advanced past them: a crash
 * anywhere loses nothing, and the store skips transactions it already has, so a crash after
 * storing and before advancing adds nothing twice. `db` must be one connection (a cursor).
 */
export async function drainSlot(
  db: Queryable,
  slot: string,
  store: CaptureStore,
  opts: DrainOptions,
): Promise<DrainResult> {
  if (!(await slotExists(db, slot))) {
    throw new BackoutError("PROVIDER_FAILED", `the replication slot ${slot} no longer exists`, {
      retryable: false,
      hint: "The writes made since the checkpoint cannot be captured. Roll back another way, or accept the data loss through the data-loss gate.",
    });
  }
  const isHistory = tableMatcher(opts.historyTables);
  const batch = opts.batchRows ?? DEFAULT_BATCH;
  let added = 0;
  let lastLsn: string | undefined;
  const upto = await flushedLsn(db);
  const walBytes = await walBehind(db, slot, upto);
  await db.query("BEGIN");
  try {
    await declarePeek(db, slot, upto);
    let pending: Omit<CapturedChange, "seq">[] = [];
    let pendingLsn: string | undefined;
    const flush = async (): Promise<void> => {
      if (pendingLsn === undefined) return;
      added += store.append(pending);
      lastLsn = pendingLsn;
      // The store is durable (append commits with synchronous=FULL): only now move the slot.
      await advance(db, slot, pendingLsn);
      pending = [];
      pendingLsn = undefined;
    };
    for (const reader = new TransactionReader(); ;) {
      const { rows } = await db.query<SlotRow>(`FETCH ${batch} FROM ${CURSOR}`);
      for (const t of reader.push(rows)) {
        for (const c of toStored(t, isHistory)) pending.push(c);
        pendingLsn = t.at(-1)?.lsn ?? pendingLsn;
        if (pending.length >= batch) await flush();
      }
      if (rows.length < batch) break;
    }
    await flush();
    // Every transaction committed before `upto` is stored: the slot may go all the way there,
    // so the next drain does not decode that WAL again (other databases' writes, a restore's
    // bulk load) and the server can recycle it.
    await advance(db, slot, maxLsn(upto, lastLsn));
    await db.query("COMMIT");
  } catch (e) {
    await db.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
  return lastLsn === undefined ? { added, walBytes } : { added, lastLsn, walBytes };
}

/**
 * Bytes of WAL a decode of the slot reads, from its restart point (where decoding starts, not
 * confirmed_flush_lsn) up to `upto` (default: the flush point).
 */
export async function walBehind(db: Queryable, slot: string, upto?: string): Promise<number> {
  const r = await db.query<{ bytes: string | null }>(
    `SELECT pg_wal_lsn_diff(coalesce($2::pg_lsn, pg_current_wal_flush_lsn()), restart_lsn)::text AS bytes
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slot, upto ?? null],
  );
  return Math.max(0, Number(r.rows[0]?.bytes ?? 0));
}

const CURSOR = "backout_drain";

/**
 * The peek, as a cursor: the server decodes the slot once into a tuplestore (spilled to disk past
 * work_mem) and the client fetches it in batches. Every committed transaction up to `upto`.
 */
export async function declarePeek(db: Queryable, slot: string, upto: string, cursor = CURSOR): Promise<void> {
  const options = WAL2JSON_OPTIONS.map((_, i) => `$${i + 3}`).join(", ");
  await db.query(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR
       SELECT lsn::text AS lsn, data FROM pg_logical_slot_peek_changes($1, $2::pg_lsn, NULL, ${options})`,
    [slot, upto, ...WAL2JSON_OPTIONS],
  );
}

async function flushedLsn(db: Queryable): Promise<string> {
  const r = await db.query<{ lsn: string }>("SELECT pg_current_wal_flush_lsn()::text AS lsn");
  const lsn = r.rows[0]?.lsn;
  if (lsn === undefined) throw unexpectedReply("pg_current_wal_flush_lsn() returned no row");
  return lsn;
}

/** Advances the slot to `lsn` unless it is already there (advancing backwards is an error). */
async function advance(db: Queryable, slot: string, lsn: string): Promise<void> {
  await db.query(
    `SELECT pg_replication_slot_advance(slot_name, $2::pg_lsn) FROM pg_replication_slots
      WHERE slot_name = $1 AND confirmed_flush_lsn < $2::pg_lsn`,
    [slot, lsn],
  );
}

function maxLsn(a: string, b: string | undefined): string {
  return b !== undefined && compareLsn(b, a) > 0 ? b : a;
}
