/**
 * Brings archived data back, in one transaction: dropped, altered or overwritten column values
 * are written back by primary key (or ctid) into the column once it exists again; dropped,
 * truncated or deleted rows are inserted back, skipping rows that are already there.
 */
import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../connection/queryable.js";
import { type ArchiveIndexRow, CTID_COLUMN, INDEX_TABLE } from "./index-table.js";
import { type ColumnInfo, columnsOf, relationExists } from "../sql/catalog.js";
import { qualified, quoteIdent } from "../sql/quote.js";

export interface RestoreOptions {
  /** `table` or `schema.table`: where to put the data instead of its source table. */
  intoTable?: string;
  /** Restore again an archive already restored once. */
  force?: boolean;
}

export interface RestoreResult {
  archive: string;
  operation: string;
  schema: string;
  table: string;
  column?: string;
  rows: number;
}

const COLUMN_OPERATIONS = new Set(["drop-column", "alter-type", "update"]);

export async function findArchive(
  db: Queryable,
  archiveSchema: string,
  name: string,
): Promise<ArchiveIndexRow> {
  const { rows } = !(await relationExists(db, qualified(archiveSchema, INDEX_TABLE)))
    ? { rows: [] }
    : await db.query<ArchiveIndexRow>(
        `SELECT * FROM ${qualified(archiveSchema, INDEX_TABLE)} WHERE archive_table = $1`,
        [name],
      );
  const row = rows[0];
  if (!row) {
    throw new BackoutError("USAGE", `no archive named "${name}" in schema ${archiveSchema}`, {
      hint: "list the archives with `backout archive list`",
    });
  }
  return row;
}

function targetOf(row: ArchiveIndexRow, intoTable: string | undefined): { schema: string; table: string } {
  if (intoTable === undefined) return { schema: row.source_schema, table: row.source_table };
  const dot = intoTable.indexOf(".");
  return dot < 0
    ? { schema: row.source_schema, table: intoTable }
    : { schema: intoTable.slice(0, dot), table: intoTable.slice(dot + 1) };
}

function missing(what: string, row: ArchiveIndexRow): BackoutError {
  return new BackoutError("PLAN_INVALID", `cannot restore archive ${row.archive_table}: ${what}`, {
    hint: "re-deploy the migration first (so the table/column exists again), or restore into another table with --into-table",
    details: { archive: row.archive_table },
  });
}

async function restoreColumn(
  db: Queryable,
  row: ArchiveIndexRow,
  schema: string,
  table: string,
  live: ColumnInfo[],
  archiveSchema: string,
) {
  const column = row.source_column ?? "";
  if (!live.some((c) => c.name === column))
    throw missing(`column ${schema}.${table}.${column} does not exist`, row);
  if (row.key_columns.includes(column))
    throw missing(`the column ${column} is part of the primary key, so rows cannot be matched`, row);
  const absent = row.key_columns.filter((k) => !live.some((c) => c.name === k));
  if (absent.length) throw missing(`key column(s) ${absent.join(", ")} missing from ${schema}.${table}`, row);
  const match = row.key_columns.length
    ? row.key_columns.map((k) => `t.${quoteIdent(k)} = a.${quoteIdent(k)}`).join(" AND ")
    : `t.ctid = a.${quoteIdent(CTID_COLUMN)}`;
  const result = await db.query(
    `UPDATE ${qualified(schema, table)} AS t SET ${quoteIdent(column)} = a.${quoteIdent(column)}
       FROM ${qualified(archiveSchema, row.archive_table)} AS a WHERE ${match}`,
  );
  return result.rowCount ?? 0;
}

async function restoreRows(
  db: Queryable,
  row: ArchiveIndexRow,
  schema: string,
  table: string,
  live: ColumnInfo[],
  archiveSchema: string,
) {
  const archived = await columnsOf(db, archiveSchema, row.archive_table);
  const absent = archived.filter((a) => !live.some((c) => c.name === a.name)).map((a) => a.name);
  if (absent.length)
    throw missing(`${schema}.${table} lacks column(s) ${absent.join(", ")}: their values would be lost`, row);
  // Generated columns are computed again from the restored values.
  const cols = archived
    .filter((a) => !live.some((c) => c.name === a.name && c.generated))
    .map((a) => quoteIdent(a.name));
  const result = await db.query(
    `INSERT INTO ${qualified(schema, table)} (${cols.join(", ")}) OVERRIDING SYSTEM VALUE
     SELECT ${cols.join(", ")} FROM ${qualified(archiveSchema, row.archive_table)} ON CONFLICT DO NOTHING`,
  );
  await catchUpSequences(
    db,
    schema,
    table,
    archived.map((a) => a.name),
  );
  return result.rowCount ?? 0;
}

/** Rows inserted with their old ids: move serial/identity sequences past them, or the next insert collides. */
async function catchUpSequences(
  db: Queryable,
  schema: string,
  table: string,
  columns: string[],
): Promise<void> {
  for (const column of columns) {
    const { rows } = await db.query<{ seq: string | null }>(`SELECT pg_get_serial_sequence($1, $2) AS seq`, [
      qualified(schema, table),
      column,
    ]);
    const seq = rows[0]?.seq;
    if (!seq) continue;
    await db.query(
      `SELECT setval($1::regclass, m) FROM (SELECT max(${quoteIdent(column)})::bigint AS m FROM ${qualified(schema, table)}) s
        WHERE m IS NOT NULL AND m > coalesce(pg_sequence_last_value($1::regclass), 0)`,
      [seq],
    );
  }
}

/** Restores one archive inside its own transaction; `db` must be a dedicated connection. */
export async function restoreArchive(
  db: Queryable,
  archiveSchema: string,
  name: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  await db.query("BEGIN");
  try {
    const row = await findArchive(db, archiveSchema, name);
    if (row.restored_at && !options.force) {
      throw new BackoutError(
        "USAGE",
        `archive ${name} was already restored (${row.restored_rows ?? 0} rows at ${row.restored_at.toISOString()})`,
        {
          hint: "pass --force to restore it again (rows already present are skipped, column values rewritten)",
        },
      );
    }
    const { schema, table } = targetOf(row, options.intoTable);
    const live = await columnsOf(db, schema, table);
    if (live.length === 0) throw missing(`table ${schema}.${table} does not exist`, row);
    const rows =
      COLUMN_OPERATIONS.has(row.operation) && row.source_column
        ? await restoreColumn(db, row, schema, table, live, archiveSchema)
        : await restoreRows(db, row, schema, table, live, archiveSchema);
    await db.query(
      `UPDATE ${qualified(archiveSchema, INDEX_TABLE)} SET restored_at = now(), restored_rows = $2 WHERE id = $1`,
      [row.id, rows],
    );
    await db.query("COMMIT");
    return {
      archive: name,
      operation: row.operation,
      schema,
      table,
      ...(row.source_column ? { column: row.source_column } : {}),
      rows,
    };
  } catch (e) {
    await db.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}
