import type { CapturedChange } from "./types.js";
import { parseJsonExact, setOwn } from "./lossless-json.js";
import { unexpectedReply } from "../../../errors.js";

/** The options every peek passes to wal2json (format-version 2: one row per change). */
export const WAL2JSON_OPTIONS: readonly string[] = [
  "format-version",
  "2",
  "include-xids",
  "1",
  "include-timestamp",
  "1",
  "include-lsn",
  "1",
  "include-pk",
  "1",
  "include-types",
  "1",
  "include-transaction",
  "1",
];

/** One row of pg_logical_slot_peek_changes: its lsn column and wal2json's JSON. */
export interface SlotRow {
  lsn: string;
  data: string;
}

export type DecodedChange = Omit<CapturedChange, "seq" | "migration">;

/** A whole transaction, B to C. commitLsn is the peek row's lsn of the C (the end of the commit record). */
export interface DecodedTransaction {
  xid: number;
  commitLsn: string;
  commitTime: string;
  changes: DecodedChange[];
}

interface Column {
  name: string;
  type?: string;
  value?: unknown;
}

interface V2Row {
  action: string;
  xid?: number;
  timestamp?: string;
  lsn?: string;
  schema?: string;
  table?: string;
  columns?: Column[];
  identity?: Column[];
  pk?: Column[];
}

const OPS = { I: "insert", U: "update", D: "delete", T: "truncate" } as const;

/**
 * Groups peeked rows into whole transactions. Rows after the last C (a transaction the peek
 * cut short) are left out: `complete` tells the caller to stop at the last whole one.
 */
export function decodeRows(rows: SlotRow[]): { transactions: DecodedTransaction[]; complete: boolean } {
  const transactions: DecodedTransaction[] = [];
  let open: { xid: number; changes: V2Row[]; lsns: string[] } | undefined;
  for (const row of rows) {
    const v = parseJsonExact(row.data) as V2Row;
    if (v.action === "B") {
      open = { xid: Number(v.xid ?? 0), changes: [], lsns: [] };
    } else if (v.action === "C") {
      if (!open) throw unexpectedReply(`wal2json: commit without begin at ${row.lsn}`);
      const commitTime = isoTime(v.timestamp);
      const commitLsn = row.lsn;
      const { xid } = open;
      const changes = open.changes.map((c, i) =>
        toChange(c, open?.lsns[i] ?? row.lsn, xid, commitLsn, commitTime),
      );
      transactions.push({ xid, commitLsn, commitTime, changes });
      open = undefined;
    } else if (v.action in OPS) {
      if (!open) throw unexpectedReply(`wal2json: change without begin at ${row.lsn}`);
      open.changes.push(v);
      open.lsns.push(v.lsn ?? row.lsn);
    }
    // "M" (logical messages) and anything newer carry no row data: ignored.
  }
  return { transactions, complete: open === undefined };
}

function toChange(v: V2Row, lsn: string, xid: number, commitLsn: string, commitTime: string): DecodedChange {
  const op = OPS[v.action as keyof typeof OPS];
  const values: Record<string, unknown> = {};
  const types: Record<string, string> = {};
  for (const c of v.columns ?? []) {
    setOwn(values, c.name, c.value ?? null);
    if (c.type !== undefined) setOwn(types, c.name, c.type);
  }
  // Keys: the old identity for update/delete (the row as it was); for insert the pk columns of the new row.
  const keys: Record<string, unknown> = {};
  if (v.identity) {
    for (const c of v.identity) {
      setOwn(keys, c.name, c.value ?? null);
      if (c.type !== undefined && !(c.name in types)) setOwn(types, c.name, c.type);
    }
  } else if (op === "insert") {
    for (const k of v.pk ?? []) setOwn(keys, k.name, values[k.name] ?? null);
  }
  return {
    xid,
    lsn,
    commitLsn,
    commitTime,
    schema: v.schema ?? "",
    table: v.table ?? "",
    op,
    keys,
    values: op === "delete" || op === "truncate" ? {} : values,
    types,
  };
}

/** wal2json's "2026-11-27 02:33:48.178382+00" as an ISO instant in UTC (sorts as text). */
export function isoTime(ts: string | undefined): string {
  if (ts === undefined) return "";
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::?(\d\d))?(?::?\d\d)?$/.exec(ts);
  if (!m) return ts;
  const d = new Date(`${m[1]}T${m[2]}${m[3]}:${m[4] ?? "00"}`);
  return Number.isNaN(d.getTime()) ? ts : d.toISOString();
}
