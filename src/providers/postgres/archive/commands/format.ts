/** Plain-text renderings of the archive commands' results. */
import type { ArchiveIndexRow } from "../index-table.js";
import type { RestoreResult } from "../restore-archive.js";
import type { ArchiveView } from "./show.js";
import { UNMAPPED_TABLE, type UnmappedGroup, type UnmappedView } from "./unmapped.js";

type Table = (headers: string[], rows: string[][]) => string;

function source(e: ArchiveIndexRow): string {
  return `${e.source_schema}.${e.source_table}${e.source_column ? `.${e.source_column}` : ""}`;
}

export function formatList(entries: ArchiveIndexRow[], table: Table): string {
  if (entries.length === 0) return "no archives";
  return table(
    ["archive", "rollback", "migration", "operation", "source", "rows", "created", "restored"],
    entries.map((e) => [
      e.archive_table,
      e.rollback_id,
      e.migration_version,
      e.operation,
      source(e),
      e.rows,
      e.created_at.toISOString(),
      e.restored_at ? `${e.restored_rows ?? 0} rows at ${e.restored_at.toISOString()}` : "",
    ]),
  );
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "string") return v;
  // Numbers, booleans, buffers, arrays and JSON values alike.
  return JSON.stringify(v) ?? "";
}

export function formatShow(view: ArchiveView, table: Table): string {
  const e = view.entry;
  const lines = [
    `archive ${e.archive_table}: ${view.rows} rows from ${source(e)} (${e.operation}), rollback ${e.rollback_id}, migration ${e.migration_version}`,
    `keys: ${e.key_columns.length ? e.key_columns.join(", ") : "none (ctid)"}${e.where_clause ? `; where ${e.where_clause}` : ""}`,
    `columns: ${view.columns.map((c) => `${c.name} ${c.type}`).join(", ")}`,
    "",
  ];
  const names = view.columns.map((c) => c.name);
  lines.push(
    table(
      names,
      view.sample.map((r) => names.map((n) => cell(r[n]))),
    ),
  );
  if (view.rows > view.sample.length) lines.push(`... ${view.rows - view.sample.length} more rows`);
  return lines.join("\n");
}

export function formatRestore(r: RestoreResult): string {
  const where = `${r.schema}.${r.table}${r.column ? `.${r.column}` : ""}`;
  return `restored ${r.rows} ${r.column ? "values" : "rows"} from ${r.archive} into ${where}`;
}

export function formatUnmappedList(groups: UnmappedGroup[], table: Table): string {
  return [
    `writes a replay could not put back (\`backout archive show ${UNMAPPED_TABLE}\`):`,
    table(
      ["rollback", "table", "changes", "kept", "reason"],
      groups.map((g) => [
        g.rollback_id,
        g.table,
        String(g.changes),
        g.partial ? "values of the missing columns" : "whole change",
        g.reason,
      ]),
    ),
  ].join("\n");
}

export function formatUnmappedShow(view: UnmappedView, table: Table): string {
  if (view.total === 0) return "no writes were left out of a replay";
  const lines = [
    `${view.total} writes a replay could not put back, with their keys:`,
    table(
      ["rollback", "seq", "table", "op", "keys", "values", "reason"],
      view.rows.map((r) => [
        r.rollback_id,
        String(r.seq),
        r.table,
        r.partial ? `${r.op} (replayed; these columns kept)` : r.op,
        cell(r.keys),
        cell(r.values),
        r.reason,
      ]),
    ),
  ];
  if (view.total > view.rows.length) lines.push(`... ${view.total - view.rows.length} more`);
  return lines.join("\n");
}
