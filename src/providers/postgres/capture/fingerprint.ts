import { createHash } from "node:crypto";
import type { Queryable } from "../connection/queryable.js";

// History tables of the supported tools: backout and the tools change them, not the app's schema.
const HISTORY_TABLES = ["schema_migrations", "pgmigrations", "flyway_schema_history"];

export interface Fingerprint {
  /** sha256 (hex) of the canonical description. */
  hash: string;
  /** The canonical description itself (sorted lines), for a readable diff when they differ. */
  lines: string[];
}

/**
 * A canonical, sorted description of the app schema: tables (and views), columns with type,
 * NOT NULL and default, constraints and indexes. Sorted by name, so column order (which a down
 * followed by an up changes) does not count. History tables and the archive schema are left out.
 */
export async function fingerprint(
  db: Queryable,
  schema: string,
  exclude: { historyTable?: string; archiveSchema: string },
): Promise<Fingerprint> {
  const skip = [...HISTORY_TABLES];
  if (exclude.historyTable !== undefined) skip.push(exclude.historyTable.split(".").at(-1) ?? "");
  if (schema === exclude.archiveSchema) return { hash: hashOf([]), lines: [] };
  const params = [schema, skip];
  const relations = await db.query<{ line: string }>(
    `SELECT format('relation %s %s', c.relname, c.relkind) AS line
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r','p','v','m','f') AND NOT c.relname = ANY($2)`,
    params,
  );
  const columns = await db.query<{ line: string }>(
    `SELECT format('column %s.%s %s%s%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                   CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
                   COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '')) AS line
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r','p','v','m','f') AND NOT c.relname = ANY($2)
        AND a.attnum > 0 AND NOT a.attisdropped`,
    params,
  );
  const constraints = await db.query<{ line: string }>(
    `SELECT format('constraint %s.%s %s', c.relname, k.conname, pg_get_constraintdef(k.oid)) AS line
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT c.relname = ANY($2)`,
    params,
  );
  const indexes = await db.query<{ line: string }>(
    `SELECT format('index %s', pg_get_indexdef(i.indexrelid)) AS line
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT c.relname = ANY($2)`,
    params,
  );
  const lines = [...relations.rows, ...columns.rows, ...constraints.rows, ...indexes.rows]
    .map((r) => r.line)
    .sort();
  return { hash: hashOf(lines), lines };
}

/** The fingerprint of the schema that a component's settings (or a drill's scope) name. */
export function schemaFingerprint(
  db: Queryable,
  scope: { schema: string; archiveSchema: string; historyTable?: string | undefined },
): Promise<Fingerprint> {
  return fingerprint(db, scope.schema, {
    archiveSchema: scope.archiveSchema,
    ...(scope.historyTable === undefined ? {} : { historyTable: scope.historyTable }),
  });
}

function hashOf(lines: string[]): string {
  return createHash("sha256").update(lines.join("\n")).digest("hex");
}
