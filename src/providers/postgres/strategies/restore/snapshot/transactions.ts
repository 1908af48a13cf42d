/**
 * From fetched slot rows to what the capture store keeps: rows grouped into whole transactions
 * (a transaction may span many fetches), then decoded; except a migration's transaction, which
 * is never replayed and so is only counted, per table and operation, without parsing its rows
 * (a backfill of a million rows costs a million substring scans, not a million JSON parses).
 */
import type { CapturedChange } from "./types.js";
import { decodeRows, isoTime, type SlotRow } from "./wal2json.js";

export type StoredChange = Omit<CapturedChange, "seq">;

/** Groups fetched rows into whole transactions (B ... C); the rows of one still open wait for the next fetch. */
export class TransactionReader {
  private open: SlotRow[] = [];

  push(rows: SlotRow[]): SlotRow[][] {
    const done: SlotRow[][] = [];
    for (const row of rows) {
      this.open.push(row);
      if (row.data.startsWith('{"action":"C"')) {
        done.push(this.open);
        this.open = [];
      }
    }
    return done;
  }
}

const OPS: Record<string, CapturedChange["op"]> = { I: "insert", U: "update", D: "delete", T: "truncate" };

/**
 * schema, table and operation of a change row, read from its text: wal2json writes them before
 * the columns, and a quote inside a value is escaped, so the first match is the row's own.
 */
function changeOf(data: string): { schema: string; table: string; op: CapturedChange["op"] } | undefined {
  const op = OPS[/^\{"action":"(.)"/.exec(data)?.[1] ?? ""];
  const schema = /"schema":"((?:[^"\\]|\\.)*)"/.exec(data)?.[1];
  const table = /"table":"((?:[^"\\]|\\.)*)"/.exec(data)?.[1];
  if (op === undefined || schema === undefined || table === undefined) return undefined;
  const text = (s: string): string => (s.includes("\\") ? (JSON.parse(`"${s}"`) as string) : s);
  return { schema: text(schema), table: text(table), op };
}

/** One whole transaction's rows as the store keeps them. */
export function toStored(
  rows: SlotRow[],
  isHistory: (schema: string, table: string) => boolean,
): StoredChange[] {
  const changes = rows
    .map((r) => ({ row: r, change: changeOf(r.data) }))
    .filter((x) => x.change !== undefined);
  if (!changes.some((x) => x.change && isHistory(x.change.schema, x.change.table))) {
    const t = decodeRows(rows).transactions[0];
    return t ? t.changes.map((c) => ({ ...c, migration: false })) : [];
  }
  const begin = JSON.parse(rows[0]?.data ?? "{}") as { xid?: number };
  const commitRow = rows.at(-1);
  const commit = JSON.parse(commitRow?.data ?? "{}") as { timestamp?: string };
  const groups = new Map<string, StoredChange>();
  for (const { row, change } of changes) {
    if (!change) continue;
    const key = `${change.schema}.${change.table}:${change.op}`;
    const g = groups.get(key);
    if (g) g.count = (g.count ?? 1) + 1;
    else
      groups.set(key, {
        xid: Number(begin.xid ?? 0),
        lsn: row.lsn,
        commitLsn: commitRow?.lsn ?? row.lsn,
        commitTime: isoTime(commit.timestamp),
        ...change,
        keys: {},
        values: {},
        types: {},
        migration: true,
        count: 1,
      });
  }
  return [...groups.values()];
}
