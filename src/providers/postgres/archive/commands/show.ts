/** `backout archive show ARCHIVE`: where its data came from, its columns, and its first rows. */
import type { Queryable } from "../../connection/queryable.js";
import type { ArchiveIndexRow } from "../index-table.js";
import { type ColumnInfo, columnsOf } from "../../sql/catalog.js";
import { qualified } from "../../sql/quote.js";
import { findArchive } from "../restore-archive.js";

export interface ArchiveView {
  entry: ArchiveIndexRow;
  rows: number;
  columns: ColumnInfo[];
  sample: Record<string, unknown>[];
}

export async function showArchive(
  db: Queryable,
  archiveSchema: string,
  name: string,
  limit = 10,
): Promise<ArchiveView> {
  const entry = await findArchive(db, archiveSchema, name);
  const table = qualified(archiveSchema, entry.archive_table);
  const count = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  const columns = await columnsOf(db, archiveSchema, entry.archive_table);
  const sample = await db.query(`SELECT * FROM ${table} LIMIT $1`, [limit]);
  return { entry, rows: Number(count.rows[0]?.n ?? 0), columns, sample: sample.rows };
}
