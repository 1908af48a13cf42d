/** Plain-text renderings of the archive commands' results. */
import type { ArchiveIndexRow } from "../sql/archive-index.js";
import type { RestoreResult } from "../sql/restore.js";
import type { ArchiveView } from "./show.js";

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
