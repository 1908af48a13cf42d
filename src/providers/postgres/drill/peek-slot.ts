/**
 * Reads every change in a slot into a capture store WITHOUT consuming it: the drill's copy of
 * the writes since the checkpoint. One peek up to the WAL flushed now, read through a cursor
 * so a large backlog does not sit in memory; the slot itself is left exactly where it was.
 */
import type pg from "pg";
import { historyMatcher, markMigration } from "../snapshot/drain.js";
import type { CaptureStore } from "../snapshot/types.js";
import { decodeRows, WAL2JSON_OPTIONS, type SlotRow } from "../snapshot/wal2json.js";

const FETCH_ROWS = 20_000;

export async function peekSlot(
  db: pg.Client,
  slot: string,
  store: CaptureStore,
  historyTables: string[],
): Promise<number> {
  const isHistory = historyMatcher(historyTables);
  const options = WAL2JSON_OPTIONS.map((_, i) => `$${i + 2}`).join(", ");
  let added = 0;
  await db.query("BEGIN READ ONLY");
  try {
    await db.query(
      `DECLARE backout_peek NO SCROLL CURSOR FOR
         SELECT lsn::text AS lsn, data
           FROM pg_logical_slot_peek_changes($1, pg_current_wal_flush_lsn(), NULL, ${options})`,
      [slot, ...WAL2JSON_OPTIONS],
    );
    // Rows after the last commit of a fetch belong to a transaction the next fetch finishes.
    let carried: SlotRow[] = [];
    for (;;) {
      const { rows } = await db.query<SlotRow>(`FETCH ${FETCH_ROWS} FROM backout_peek`);
      const all = carried.concat(rows);
      const lastCommit = all.findLastIndex((r) => r.data.startsWith('{"action":"C"'));
      const { transactions } = decodeRows(all.slice(0, lastCommit + 1));
      added += store.append(transactions.flatMap((t) => markMigration(t, isHistory)));
      carried = all.slice(lastCommit + 1);
      if (rows.length < FETCH_ROWS) break;
    }
  } finally {
    await db.query("ROLLBACK").catch(() => undefined);
  }
  return added;
}
