/**
 * What to do with one captured change: replay it (mapped onto the restored table's columns),
 * archive it whole (its table or key is gone, it is excluded or too late), or skip it (it
 * belongs to a migration). Pure: no database access, so every rule is testable on its own.
 */
import type { CapturedChange } from "../snapshot/types.js";
import { tableMatcher } from "../table-matcher.js";
import { tableKey, type TargetSchema, type TargetTable } from "./target-schema.js";
import { internal } from "../../../errors.js";

export interface ReplayFilter {
  /** Tables ("schema.table" or "table") whose writes are archived instead of replayed. */
  exclude: string[];
  /** ISO time: changes committed after it are archived instead of replayed. */
  until?: string;
  /** The migration tool's history table(s): writes to them are migration writes. */
  historyTables: string[];
}

export type Disposition =
  | { kind: "skip" }
  | { kind: "archive"; reason: string }
  | {
      kind: "replay";
      table: TargetTable;
      /** Key columns and values identifying the row (update/delete), in the change's order. */
      keys: [string, unknown][];
      /** Values of columns the restored table has (and that are writable). */
      values: [string, unknown][];
      /** Values of columns the restored table does not have: archived with the row's keys. */
      dropped: Record<string, unknown> | undefined;
    };

export const REASON = {
  excluded: "excluded by replay.exclude",
  afterUntil: "committed after replay.until",
  tableMissing: "table does not exist in the restored database",
  keyMissing: "a key column does not exist in the restored database",
  noKey: "the change has no key to find its row by (replica identity nothing)",
  columnMissing: "columns do not exist in the restored database",
  rowMissing: "the row to update does not exist in the restored database",
} as const;

export interface ChangeMapper {
  map(change: CapturedChange): Disposition;
}

export function changeMapper(target: TargetSchema, filter: ReplayFilter): ChangeMapper {
  const excluded = tableMatcher(filter.exclude);
  const history = tableMatcher(filter.historyTables);
  const until = filter.until === undefined ? undefined : Date.parse(filter.until);
  if (until !== undefined && Number.isNaN(until)) {
    throw internal(`replay.until is not an ISO time: ${filter.until}`);
  }
  return {
    map(change) {
      if (change.migration || history(change.schema, change.table)) return { kind: "skip" };
      if (excluded(change.schema, change.table)) return { kind: "archive", reason: REASON.excluded };
      if (until !== undefined && Date.parse(change.commitTime) > until) {
        return { kind: "archive", reason: REASON.afterUntil };
      }
      const table = target.get(tableKey(change.schema, change.table));
      if (!table) return { kind: "archive", reason: REASON.tableMissing };
      let keys = Object.entries(change.keys);
      // No old identity on an update means the key did not change: find the row by the new values.
      if (keys.length === 0 && change.op === "update" && table.primaryKey.every((c) => c in change.values)) {
        keys = table.primaryKey.map((c): [string, unknown] => [c, change.values[c]]);
      }
      if (change.op === "update" || change.op === "delete") {
        if (keys.length === 0) return { kind: "archive", reason: REASON.noKey };
        if (keys.some(([c]) => !table.columns.has(c))) return { kind: "archive", reason: REASON.keyMissing };
      }
      const values: [string, unknown][] = [];
      let dropped: Record<string, unknown> | undefined;
      for (const [column, value] of Object.entries(change.values)) {
        const col = table.columns.get(column);
        if (!col) (dropped ??= {})[column] = value;
        // Generated columns are recomputed by the server from the others: nothing is lost.
        else if (!col.generated) values.push([column, value]);
      }
      // All-NULL values of a missing column say nothing the restored row does not: not archived.
      const keep = dropped && Object.values(dropped).some((v) => v !== null) ? dropped : undefined;
      return { kind: "replay", table, keys, values, dropped: keep };
    },
  };
}
