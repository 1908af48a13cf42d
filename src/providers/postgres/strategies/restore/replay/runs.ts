/**
 * Groups a batch of mapped changes into runs: consecutive changes of one table with the same
 * operation and the same columns, which one set-based statement (see statements.ts) applies at
 * once. That is where the speed comes from: one round trip per run, not per row.
 */
import type { CapturedChange } from "../snapshot/types.js";
import type { Disposition } from "./map-change.js";
import { tableKey, type TargetTable } from "./target-schema.js";

export type ReplayDisposition = Extract<Disposition, { kind: "replay" }>;

export interface ReplayItem {
  change: CapturedChange;
  plan: ReplayDisposition;
  /** Same table, operation and columns: the items one statement can carry together. */
  signature: string;
  /** The rows it touches (see identities below). */
  ids: string[];
}

export interface Run {
  op: CapturedChange["op"];
  table: TargetTable;
  /** update/delete: the columns the row is found by. */
  keyColumns: string[];
  /** insert/update: the columns written. */
  valueColumns: string[];
  items: ReplayItem[];
}

// Columns keep the order wal2json gives (the table's), so no sorting: this runs per change.
const names = (pairs: [string, unknown][]): string[] => pairs.map(([c]) => c);

function signatureOf(change: CapturedChange, plan: ReplayDisposition): string {
  const keys = change.op === "update" || change.op === "delete" ? names(plan.keys).join("\u0001") : "";
  const values = change.op === "insert" || change.op === "update" ? names(plan.values).join("\u0001") : "";
  return `${change.op}\u0000${plan.table.schema}.${plan.table.name}\u0000${keys}\u0000${values}`;
}

/** The row's primary key values in key order, when `pairs` hold all of them. */
function rowIdentity(table: TargetTable, pairs: [string, unknown][]): string | undefined {
  let id = "";
  for (const c of table.primaryKey) {
    const pair = pairs.find(([n]) => n === c);
    if (!pair) return undefined;
    id += `${String(pair[1])}\u0001`;
  }
  return id === "" ? undefined : id;
}

/**
 * The rows a change touches, as identities. A set-based statement must not touch a row
 * twice (ON CONFLICT DO UPDATE refuses; UPDATE ... FROM applies only one of the matches), and
 * changes to one row must keep their order. Without a usable key, "*": one row for all.
 */
function identitiesOf(change: CapturedChange, plan: ReplayDisposition): string[] {
  const table = plan.table;
  if (change.op === "truncate") return ["*"];
  const keysArePk =
    plan.keys.length === table.primaryKey.length && plan.keys.every(([c]) => table.primaryKey.includes(c));
  const old = change.op === "insert" || !keysArePk ? undefined : rowIdentity(table, plan.keys);
  const next = change.op === "delete" ? undefined : rowIdentity(table, plan.values);
  if (change.op !== "insert" && old === undefined) return ["*"];
  if (change.op === "insert" && next === undefined) return ["*"];
  return old !== undefined && next !== undefined && old !== next ? [old, next] : [(old ?? next) as string];
}

export function toItem(change: CapturedChange, plan: ReplayDisposition): ReplayItem {
  return { change, plan, signature: signatureOf(change, plan), ids: identitiesOf(change, plan) };
}

/** Splits items (already in apply order) into runs; truncates always run alone. */
export function toRuns(items: ReplayItem[]): Run[] {
  const runs: Run[] = [];
  let current: Run | undefined;
  let currentSig = "";
  let seen = new Set<string>();
  for (const item of items) {
    const sig = item.signature;
    const ids = item.ids;
    const clash = ids.some((id) => seen.has(id));
    if (!current || sig !== currentSig || clash || item.change.op === "truncate") {
      current = {
        op: item.change.op,
        table: item.plan.table,
        keyColumns: names(item.plan.keys),
        valueColumns: names(item.plan.values),
        items: [],
      };
      runs.push(current);
      currentSig = sig;
      seen = new Set();
    }
    current.items.push(item);
    for (const id of ids) seen.add(id);
  }
  return runs;
}

/**
 * Apply order. Under session_replication_role = replica (no triggers, no foreign-key checks),
 * changes to different rows commute. So each table's changes are put in layers: a change goes
 * one layer after the previous change to the same row, and within a layer changes are grouped
 * by operation and columns, giving a few long runs per batch instead of one per change. If a
 * reordering ever trips another unique constraint, the batch falls back to exact commit order.
 * Otherwise (no replica role) the exact commit order is kept.
 */
export function applyOrder(items: ReplayItem[], byTable: boolean): ReplayItem[] {
  // TRUNCATE ... CASCADE reaches other tables: regrouping around it would reorder their writes.
  if (!byTable || items.some((i) => i.change.op === "truncate")) return items;
  const tables = new Map<string, { next: Map<string, number>; layers: ReplayItem[][] }>();
  for (const item of items) {
    const key = tableKey(item.plan.table.schema, item.plan.table.name);
    let t = tables.get(key);
    if (!t) tables.set(key, (t = { next: new Map(), layers: [] }));
    const ids = item.ids;
    // "*" (no usable key) orders against everything: after all earlier changes, before all later.
    const after = ids.includes("*") ? t.layers.length : (t.next.get("*") ?? 0);
    let layer = after;
    for (const id of ids) layer = Math.max(layer, t.next.get(id) ?? 0);
    for (const id of ids) t.next.set(id, layer + 1);
    (t.layers[layer] ??= []).push(item);
  }
  const ordered: ReplayItem[] = [];
  for (const t of tables.values()) {
    for (const layer of t.layers) {
      if (!layer) continue;
      const bySignature = new Map<string, ReplayItem[]>();
      for (const item of layer) {
        const sig = item.signature;
        const group = bySignature.get(sig);
        if (group) group.push(item);
        else bySignature.set(sig, [item]);
      }
      for (const group of bySignature.values()) ordered.push(...group);
    }
  }
  return ordered;
}
