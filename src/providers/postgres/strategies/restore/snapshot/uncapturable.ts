import type { Queryable } from "../../../connection/queryable.js";

/**
 * Tables of `schema` whose UPDATEs and DELETEs logical decoding cannot identify: no primary
 * key and REPLICA IDENTITY DEFAULT (or NOTHING). wal2json skips those changes with only a
 * server WARNING, so the checkpoint records them and a restore plan can name the gap.
 */
export async function uncapturableTables(db: Queryable, schema: string): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
        AND (c.relreplident = 'n'
             OR (c.relreplident = 'd' AND NOT EXISTS (
                   SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))
      ORDER BY 1`,
    [schema],
  );
  return r.rows.map((x) => `${schema}.${x.name}`);
}
