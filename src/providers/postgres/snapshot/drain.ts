import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../db.js";
import { compareLsn } from "./lsn.js";
import type { CaptureStore, CapturedChange } from "./types.js";
import { decodeRows, WAL2JSON_OPTIONS, type DecodedTransaction, type SlotRow } from "./wal2json.js";

export interface DrainOptions {
  /** The migration tool's history table(s): "schema_migrations" (any schema) or "public.schema_migrations". */
  historyTables: string[];
  /** Peek at most this many rows per round (whole transactions are always kept whole). */
  batchRows?: number;
}

// Each round costs a peek that decodes from the slot's restart point, a durable store commit
// and an advance: fewer, bigger rounds (a few MB of JSON each) are measurably faster.
const DEFAULT_BATCH = 20_000;

export async function slotExists(db: Queryable, slot: string): Promise<boolean> {
  const r = await db.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot]);
  return r.rows.length > 0;
}

/**
 * Moves every change committed in the slot into the capture store, in commit order:
 * peek a batch, store it (durably), only then advance the slot past it. Never consumes
 * before storing, so a crash anywhere loses nothing; the store skips transactions it already
 * has, so a crash after storing and before advancing adds nothing twice on the next drain.
 * Stops when a peek reaches the end of the WAL flushed when the drain began.
 */
export async function drainSlot(
  db: Queryable,
  slot: string,
  store: CaptureStore,
  opts: DrainOptions,
): Promise<{ added: number; lastLsn?: string }> {
  if (!(await slotExists(db, slot))) {
    throw new BackoutError("PROVIDER_FAILED", `the replication slot ${slot} no longer exists`, {
      retryable: false,
      hint: "The writes made since the checkpoint cannot be captured. Roll back another way, or accept the data loss through the data-loss gate.",
    });
  }
  const isHistory = historyMatcher(opts.historyTables);
  let limit = opts.batchRows ?? DEFAULT_BATCH;
  let added = 0;
  let lastLsn: string | undefined;
  const optionArgs = WAL2JSON_OPTIONS.map((_, i) => `$${i + 4}`).join(", ");
  const peekSql = `SELECT lsn::text AS lsn, data FROM pg_logical_slot_peek_changes($1, $2::pg_lsn, $3, ${optionArgs})`;
  // Everything committed before the drain began, and no further: a drain ends even while
  // writers keep writing (callers drain again once writes are blocked).
  const upto = await flushedLsn(db);
  for (;;) {
    const rows = (await db.query<SlotRow>(peekSql, [slot, upto, limit, ...WAL2JSON_OPTIONS])).rows;
    const { transactions, complete } = decodeRows(rows);
    const last = transactions.at(-1);
    const reachedUpto = complete && rows.length < limit;
    if (!last && !reachedUpto) {
      // Only part of one transaction came back: ask for more rows rather than store half of it.
      limit *= 2;
      continue;
    }
    if (transactions.length > 0) {
      added += store.append(transactions.flatMap((t) => markMigration(t, isHistory)));
      lastLsn = last?.commitLsn ?? lastLsn;
    }
    // The store is durable (append commits with synchronous=FULL): only now move the slot.
    // When the peek reached `upto`, every transaction committed before it is stored, so the slot
    // may go all the way there: the next drain does not decode that WAL again (other databases'
    // writes, a restore's bulk load) and the server can recycle it.
    const target = reachedUpto ? maxLsn(upto, last?.commitLsn) : (last?.commitLsn ?? upto);
    await advance(db, slot, target);
    if (reachedUpto) break;
  }
  return lastLsn === undefined ? { added } : { added, lastLsn };
}

async function flushedLsn(db: Queryable): Promise<string> {
  const r = await db.query<{ lsn: string }>("SELECT pg_current_wal_flush_lsn()::text AS lsn");
  const lsn = r.rows[0]?.lsn;
  if (lsn === undefined) throw new Error("pg_current_wal_flush_lsn() returned no row");
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

/** A transaction that writes the migration tool's history table belongs to a migration: marked, not replayed. */
export function markMigration(
  t: DecodedTransaction,
  isHistory: (schema: string, table: string) => boolean,
): Omit<CapturedChange, "seq">[] {
  const migration = t.changes.some((c) => isHistory(c.schema, c.table));
  return t.changes.map((c) => ({ ...c, migration }));
}

export function historyMatcher(tables: string[]): (schema: string, table: string) => boolean {
  const qualified = new Set(tables.filter((t) => t.includes(".")));
  const bare = new Set(tables.filter((t) => !t.includes(".")));
  return (schema, table) => bare.has(table) || qualified.has(`${schema}.${table}`);
}
