import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../db.js";
import type { CaptureStore, CapturedChange } from "./types.js";
import { decodeRows, WAL2JSON_OPTIONS, type DecodedTransaction, type SlotRow } from "./wal2json.js";

export interface DrainOptions {
  /** The migration tool's history table(s): "schema_migrations" (any schema) or "public.schema_migrations". */
  historyTables: string[];
  /** Peek at most this many rows per round (whole transactions are always kept whole). */
  batchRows?: number;
}

const DEFAULT_BATCH = 5000;

export async function slotExists(db: Queryable, slot: string): Promise<boolean> {
  const r = await db.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot]);
  return r.rows.length > 0;
}

/**
 * Moves every change committed in the slot into the capture store, in commit order:
 * peek a batch, store it (durably), only then advance the slot past it. Never consumes
 * before storing, so a crash anywhere loses nothing; the store skips transactions it already
 * has, so a crash after storing and before advancing adds nothing twice on the next drain.
 * Stops when a peek reaches the end of the WAL written so far.
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
  const optionArgs = WAL2JSON_OPTIONS.map((_, i) => `$${i + 3}`).join(", ");
  const peekSql = `SELECT lsn::text AS lsn, data FROM pg_logical_slot_peek_changes($1, NULL, $2, ${optionArgs})`;
  for (;;) {
    const rows = (await db.query<SlotRow>(peekSql, [slot, limit, ...WAL2JSON_OPTIONS])).rows;
    if (rows.length === 0) break;
    const { transactions, complete } = decodeRows(rows);
    const last = transactions.at(-1);
    if (!last) {
      // Only part of one transaction came back: ask for more rows rather than store half of it.
      limit *= 2;
      continue;
    }
    added += store.append(transactions.flatMap((t) => markMigration(t, isHistory)));
    await db.query("SELECT pg_replication_slot_advance($1, $2::pg_lsn)", [slot, last.commitLsn]);
    lastLsn = last.commitLsn;
    if (complete && rows.length < limit) break;
  }
  return lastLsn === undefined ? { added } : { added, lastLsn };
}

/** A transaction that writes the migration tool's history table belongs to a migration: marked, not replayed. */
function markMigration(
  t: DecodedTransaction,
  isHistory: (schema: string, table: string) => boolean,
): Omit<CapturedChange, "seq">[] {
  const migration = t.changes.some((c) => isHistory(c.schema, c.table));
  return t.changes.map((c) => ({ ...c, migration }));
}

function historyMatcher(tables: string[]): (schema: string, table: string) => boolean {
  const qualified = new Set(tables.filter((t) => t.includes(".")));
  const bare = new Set(tables.filter((t) => !t.includes(".")));
  return (schema, table) => bare.has(table) || qualified.has(`${schema}.${table}`);
}
