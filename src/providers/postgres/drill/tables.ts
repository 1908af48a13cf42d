/**
 * The live database's tables as the sampled copy needs them: insertable columns, foreign keys,
 * and an order where every table comes after the tables it references.
 */
import type pg from "pg";

export interface ForeignKeyInfo {
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

export interface TableInfo {
  schema: string;
  table: string;
  /** Columns that can be inserted: not generated, not dropped. */
  columns: string[];
  /** Keys to other tables (self-references are left out: they cannot order anything). */
  foreignKeys: ForeignKeyInfo[];
}

interface Row {
  oid: string;
  schema: string;
  table: string;
  columns: string[];
}

interface FkRow {
  child: string;
  parent: string;
  ref_schema: string;
  ref_table: string;
  columns: string[];
  ref_columns: string[];
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

export async function tablesInKeyOrder(db: Pick<pg.ClientBase, "query">): Promise<TableInfo[]> {
  const tables = await db.query<Row>(
    `SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS "table",
            array(SELECT a.attname::text FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                   ORDER BY a.attnum) AS columns
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS}
      ORDER BY n.nspname, c.relname`,
  );
  const fks = await db.query<FkRow>(
    `SELECT k.conrelid::text AS child, k.confrelid::text AS parent, pn.nspname AS ref_schema, p.relname AS ref_table,
            array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(num, i)
                    JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num ORDER BY u.i) AS columns,
            array(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(num, i)
                    JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num ORDER BY u.i) AS ref_columns
       FROM pg_constraint k JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE k.contype = 'f' AND k.conrelid <> k.confrelid`,
  );
  const byOid = new Map(tables.rows.map((t) => [t.oid, t]));
  const parents = new Map<string, Set<string>>();
  const keys = new Map<string, ForeignKeyInfo[]>();
  for (const fk of fks.rows) {
    if (!byOid.has(fk.child)) continue;
    parents.set(fk.child, (parents.get(fk.child) ?? new Set()).add(fk.parent));
    keys.set(fk.child, [
      ...(keys.get(fk.child) ?? []),
      { columns: fk.columns, refSchema: fk.ref_schema, refTable: fk.ref_table, refColumns: fk.ref_columns },
    ]);
  }
  // Depth-first: parents before children; a cycle is cut where it is found (its rows may then be filtered).
  const order: TableInfo[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (oid: string): void => {
    if (state.has(oid)) return;
    state.set(oid, "visiting");
    for (const p of parents.get(oid) ?? []) if (byOid.has(p)) visit(p);
    state.set(oid, "done");
    const t = byOid.get(oid);
    if (t)
      order.push({ schema: t.schema, table: t.table, columns: t.columns, foreignKeys: keys.get(oid) ?? [] });
  };
  for (const t of tables.rows) visit(t.oid);
  return order;
}
