/**
 * Reads every change in a slot into a capture store WITHOUT consuming it: the drill's copy of
 * the writes since the checkpoint. The drain's peek and transaction assembly, minus the slot
 * advance; the slot is left exactly where it was. Returns the changes stored.
 */
import type pg from "pg";
import { declarePeek } from "../strategies/restore/snapshot/drain.js";
import { tableMatcher } from "../strategies/restore/table-matcher.js";
import { toStored, TransactionReader } from "../strategies/restore/snapshot/transactions.js";
import type { CaptureStore } from "../strategies/restore/snapshot/types.js";

const FETCH_ROWS = 20_000;

export async function peekSlot(
  db: pg.Client,
  slot: string,
  store: CaptureStore,
  historyTables: string[],
): Promise<number> {
  const isHistory = tableMatcher(historyTables);
  let added = 0;
  await db.query("BEGIN READ ONLY");
  try {
    const upto = (await db.query<{ lsn: string }>("SELECT pg_current_wal_flush_lsn()::text AS lsn")).rows[0]
      ?.lsn;
    await declarePeek(db, slot, upto ?? "0/0", "backout_peek");
    const reader = new TransactionReader();
    for (;;) {
      const { rows } = await db.query<{ lsn: string; data: string }>(`FETCH ${FETCH_ROWS} FROM backout_peek`);
      added += store.append(reader.push(rows).flatMap((t) => toStored(t, isHistory)));
      if (rows.length < FETCH_ROWS) break;
    }
  } finally {
    await db.query("ROLLBACK").catch(() => undefined);
  }
  return added;
}
