/**
 * The restored database's own schema, read once before replay: captured changes were written
 * against the post-deploy schema, and are mapped by table and column name onto this one.
 */
import type { Queryable } from "../../../connection/queryable.js";

export interface TargetColumn {
  /** format_type() text: a valid, properly quoted SQL type to cast bound text values to. */
  type: string;
  /** GENERATED ALWAYS AS (...) STORED: derived, never written by replay. */
  generated: boolean;
  /** GENERATED ALWAYS AS IDENTITY: inserts need OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
  /** OID of the sequence feeding this column (serial, identity or nextval default), if any. */
  sequence: number | undefined;
}

export interface TargetTable {
  schema: string;
  name: string;
  columns: Map<string, TargetColumn>;
  /** Primary key columns in key order; [] when there is none. */
  primaryKey: string[];
}

/** "schema.table" → table, for every ordinary or partitioned table outside the system schemas. */
export type TargetSchema = Map<string, TargetTable>;

export const tableKey = (schema: string, table: string): string => `${schema}.${table}`;

interface ColumnRow {
  schema: string;
  table: string;
  column: string;
  type: string;
  generated: boolean;
  identity_always: boolean;
  sequence: number | null;
  pk_position: number | null;
}

// Sequences reach a column three ways: serial (OWNED BY, deptype 'a'), identity (deptype 'i'),
// or a plain DEFAULT nextval('seq') (a dependency of the column's pg_attrdef entry).
const CATALOG_SQL = `
  WITH seqs AS (
    SELECT d.refobjid AS tbl, d.refobjsubid AS attnum, d.objid AS seq
      FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
     WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
       AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
    UNION
    SELECT ad.adrelid, ad.adnum, d.refobjid
      FROM pg_attrdef ad
      JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
                      AND d.refclassid = 'pg_class'::regclass
      JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
  )
  SELECT n.nspname AS schema, c.relname AS table, a.attname AS column,
         format_type(a.atttypid, a.atttypmod) AS type,
         a.attgenerated <> '' AS generated,
         a.attidentity = 'a' AS identity_always,
         (SELECT min(seqs.seq)::int8 FROM seqs WHERE seqs.tbl = c.oid AND seqs.attnum = a.attnum) AS sequence,
         array_position(pk.indkey::int2[], a.attnum) AS pk_position
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_index pk ON pk.indrelid = c.oid AND pk.indisprimary
   WHERE c.relkind IN ('r', 'p')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
     AND n.nspname <> $1
   ORDER BY n.nspname, c.relname, a.attnum`;

/** Reads every user table (except those of the archive schema) with columns, keys and sequences. */
export async function readTargetSchema(db: Queryable, archiveSchema: string): Promise<TargetSchema> {
  const { rows } = await db.query<ColumnRow>(CATALOG_SQL, [archiveSchema]);
  const schema: TargetSchema = new Map();
  const pkPositions = new Map<string, [number, string][]>();
  for (const r of rows) {
    const key = tableKey(r.schema, r.table);
    let table = schema.get(key);
    if (!table) {
      table = { schema: r.schema, name: r.table, columns: new Map(), primaryKey: [] };
      schema.set(key, table);
      pkPositions.set(key, []);
    }
    table.columns.set(r.column, {
      type: r.type,
      generated: r.generated,
      identityAlways: r.identity_always,
      sequence: r.sequence === null ? undefined : Number(r.sequence),
    });
    if (r.pk_position !== null) pkPositions.get(key)?.push([r.pk_position, r.column]);
  }
  for (const [key, positions] of pkPositions) {
    const table = schema.get(key);
    if (table) table.primaryKey = positions.sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  }
  return schema;
}

/** Whether the connected role may set session_replication_role (superuser in PostgreSQL 15). */
export async function canUseReplicaRole(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ super: boolean }>(
    "SELECT rolsuper AS super FROM pg_roles WHERE rolname = current_user",
  );
  return rows[0]?.super === true;
}
