/**
 * Turning fetched wal2json rows into stored changes: transactions across fetches, and a
 * migration's transaction counted per table from each row's text, never misled by values.
 */
import { describe, expect, it } from "vitest";
import { tableMatcher } from "../../../../../../src/providers/postgres/strategies/restore/table-matcher.js";
import {
  toStored,
  TransactionReader,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/transactions.js";

const row = (lsn: string, v: Record<string, unknown>) => ({ lsn, data: JSON.stringify(v) });
const change = (action: string, table: string, value: string) => ({
  action,
  xid: 7,
  lsn: "0/10",
  schema: "public",
  table,
  columns: [{ name: "table", type: "text", value }],
  pk: [],
});

describe("stored transactions", () => {
  const isHistory = tableMatcher(["schema_migrations"]);

  it("waits for a transaction's commit across fetches", () => {
    const reader = new TransactionReader();
    expect(reader.push([row("0/1", { action: "B", xid: 7 }), row("0/2", change("I", "t", "a"))])).toEqual([]);
    const done = reader.push([row("0/3", { action: "C", xid: 7, timestamp: "2026-11-27 02:33:48.1+00" })]);
    expect(done.map((t) => t.length)).toEqual([3]);
    const [stored] = toStored(done[0] ?? [], isHistory);
    expect(stored).toMatchObject({ table: "t", op: "insert", values: { table: "a" }, migration: false });
  });

  it("counts a migration per table and operation; quotes in values and names do not mislead it", () => {
    const rows = [
      row("0/1", { action: "B", xid: 9 }),
      row("0/2", change("U", 'we"ird', '"table":"schema_migrations"')),
      row("0/3", change("U", 'we"ird', "x")),
      row("0/4", change("D", "other", '","table":"schema_migrations')),
      row("0/5", change("I", "schema_migrations", "v")),
      row("0/6", { action: "C", xid: 9, timestamp: "2026-11-27 02:33:48.1+00" }),
    ];
    const stored = toStored(rows, isHistory);
    expect(stored.map((c) => [c.table, c.op, c.count, c.migration])).toEqual([
      ['we"ird', "update", 2, true],
      ["other", "delete", 1, true],
      ["schema_migrations", "insert", 1, true],
    ]);
    expect(stored[0]).toMatchObject({
      xid: 9,
      lsn: "0/2",
      commitLsn: "0/6",
      commitTime: "2026-11-27T02:33:48.100Z",
    });
    // The same rows without the history write: decoded in full, nothing counted.
    const user = toStored(
      rows.filter((_, i) => i !== 4),
      isHistory,
    );
    expect(user.map((c) => [c.table, c.values.table, c.migration])).toEqual([
      ['we"ird', '"table":"schema_migrations"', false],
      ['we"ird', "x", false],
      ["other", undefined, false],
    ]);
  });
});
