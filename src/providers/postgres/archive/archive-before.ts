/**
 * Under the `archive` data-loss policy: right before a destructive statement runs, in the same
 * transaction, lock the tables it destroys data in (lock-targets.ts), then copy exactly the data
 * it destroys into the archive schema, so that committing the down script and keeping its data
 * are one atomic step, and no write committed by the application can fall between the copy and
 * the statement.
 */
import type { Queryable } from "../connection/queryable.js";
import { columnsOf, primaryKey, tableExists } from "../sql/catalog.js";
import { lockArchiveTargets, targetTables } from "./lock-targets.js";
import {
  CTID_COLUMN,
  DEFAULT_ARCHIVE_SCHEMA,
  ensureArchiveSchema,
  freeArchiveName,
  recordArchive,
} from "./index-table.js";
import { whereSql } from "../classify/measure.js";
import { qualified, quoteIdent } from "../sql/quote.js";
import type { ClassifiedStatement, DataTarget } from "../classify/types.js";

interface ArchiveRun {
  rollbackId: string;
  version: string;
  schema: string;
}

/** The select list of a column target: key columns (or the ctid when there is no primary key) and the column. */
function columnSelect(pk: string[], column: string): string {
  // Without a primary key the physical row address is the only handle back to the row. It stays
  // valid for a restore only while the table is not rewritten (VACUUM FULL, CLUSTER, some ALTERs).
  const keys = pk.length ? pk.map(quoteIdent) : [`ctid AS ${quoteIdent(CTID_COLUMN)}`];
  return [...keys, ...(pk.includes(column) ? [] : [quoteIdent(column)])].join(", ");
}

async function archiveTable(
  db: Queryable,
  target: DataTarget,
  table: string,
  run: ArchiveRun,
): Promise<number> {
  if (!(await tableExists(db, target.schema, table))) return 0;
  const column = target.column;
  if (column !== undefined && !(await columnsOf(db, target.schema, table)).some((c) => c.name === column)) {
    return 0;
  }
  const pk = await primaryKey(db, target.schema, table);
  const name = await freeArchiveName(db, run.schema, {
    table,
    column,
    rollbackId: run.rollbackId,
    version: run.version,
  });
  const select = column === undefined ? "*" : columnSelect(pk, column);
  // whereSql: the condition from the user's own down script (see measure.ts), never a value.
  const result = await db.query(
    `CREATE TABLE ${qualified(run.schema, name)} AS SELECT ${select} FROM ${qualified(target.schema, table)}${whereSql(target)}`,
  );
  const rows = result.rowCount ?? 0;
  await recordArchive(db, run.schema, {
    rollback_id: run.rollbackId,
    migration_version: run.version,
    source_schema: target.schema,
    source_table: table,
    source_column: column ?? null,
    operation: target.operation,
    archive_table: name,
    key_columns: pk,
    where_clause: target.where ?? null,
    rows,
  });
  return rows;
}

/**
 * Locks the tables `statement` destroys data in, then copies what it will destroy into
 * `<archiveSchema>`, one table per target, and lists each in `<archiveSchema>.archive_index`.
 * Runs in the caller's transaction (READ COMMITTED, checked): the locks last until its end, and
 * if the down script fails, the archive disappears with it. Returns the number of rows archived.
 */
export async function archiveBefore(
  db: Queryable,
  statement: ClassifiedStatement,
  rollbackId: string,
  migrationVersion: string,
  archiveSchema: string = DEFAULT_ARCHIVE_SCHEMA,
): Promise<number> {
  if (statement.targets.length === 0) return 0;
  await lockArchiveTargets(db, statement);
  await ensureArchiveSchema(db, archiveSchema);
  const run: ArchiveRun = { rollbackId, version: migrationVersion, schema: archiveSchema };
  let total = 0;
  for (const target of statement.targets) {
    for (const table of await targetTables(db, target)) total += await archiveTable(db, target, table, run);
  }
  return total;
}
