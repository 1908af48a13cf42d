/**
 * The writes a replay could not put back (backout_archive.replay_unmapped): whole changes to
 * tables, keys or rows the restored database lacks, and the values of columns it lacks. Shown
 * by `archive list` (a count per rollback, table and reason) and `archive show replay_unmapped`.
 */
import type { Queryable } from "../../connection/queryable.js";
import { UNMAPPED_TABLE, type UnmappedRow } from "../../strategies/restore/replay/ledger.js";
import { relationExists } from "../../sql/catalog.js";
import { qualified } from "../../sql/quote.js";

export { UNMAPPED_TABLE };

export interface UnmappedGroup {
  rollback_id: string;
  table: string;
  reason: string;
  /** true: the change was replayed and only these columns' values are kept here. */
  partial: boolean;
  changes: number;
}

export interface UnmappedView {
  total: number;
  rows: (UnmappedRow & { rollback_id: string })[];
}

async function exists(db: Queryable, schema: string): Promise<boolean> {
  return relationExists(db, qualified(schema, UNMAPPED_TABLE));
}

export async function listUnmapped(
  db: Queryable,
  schema: string,
  rollbackId?: string,
): Promise<UnmappedGroup[]> {
  if (!(await exists(db, schema))) return [];
  const { rows } = await db.query<UnmappedGroup & { changes: string }>(
    `SELECT rollback_id, "table", reason, partial, count(*) AS changes
       FROM ${qualified(schema, UNMAPPED_TABLE)}
      WHERE $1::text IS NULL OR rollback_id LIKE $1 || '%'
      GROUP BY 1, 2, 3, 4 ORDER BY max(archived_at) DESC, 2, 3`,
    [rollbackId ?? null],
  );
  return rows.map((r) => ({ ...r, changes: Number(r.changes) }));
}

export async function showUnmapped(
  db: Queryable,
  schema: string,
  rollbackId: string | undefined,
  limit: number,
): Promise<UnmappedView> {
  if (!(await exists(db, schema))) return { total: 0, rows: [] };
  const where = `WHERE $1::text IS NULL OR rollback_id LIKE $1 || '%'`;
  const table = qualified(schema, UNMAPPED_TABLE);
  const count = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} ${where}`, [
    rollbackId ?? null,
  ]);
  const { rows } = await db.query<UnmappedView["rows"][number] & { seq: string }>(
    `SELECT rollback_id, seq, "table", op, keys, "values", reason, partial FROM ${table} ${where}
      ORDER BY rollback_id, seq LIMIT $2`,
    [rollbackId ?? null, limit],
  );
  return { total: Number(count.rows[0]?.n ?? 0), rows: rows.map((r) => ({ ...r, seq: Number(r.seq) })) };
}
