/** `backout archive list`: the archive index, newest first. */
import type { Queryable } from "../../connection/queryable.js";
import { type ArchiveIndexRow, INDEX_TABLE } from "../index-table.js";
import { relationExists } from "../../sql/catalog.js";
import { qualified } from "../../sql/quote.js";

export async function listArchives(
  db: Queryable,
  archiveSchema: string,
  rollbackId?: string,
): Promise<ArchiveIndexRow[]> {
  // No index yet: nothing was ever archived in this database.
  if (!(await relationExists(db, qualified(archiveSchema, INDEX_TABLE)))) return [];
  const { rows } = await db.query<ArchiveIndexRow>(
    `SELECT * FROM ${qualified(archiveSchema, INDEX_TABLE)}
      WHERE $1::text IS NULL OR rollback_id = $1 OR rollback_id LIKE $1 || '%'
      ORDER BY id DESC`,
    [rollbackId ?? null],
  );
  return rows;
}
