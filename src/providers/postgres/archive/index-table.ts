/**
 * The archive schema and its index table: one row per archive table, saying where its data came
 * from, which statement kind destroyed it, and how to put it back.
 */
import { createHash } from "node:crypto";
import type { Queryable } from "../connection/queryable.js";
import { relationExists } from "../sql/catalog.js";
import { qualified, quoteIdent } from "../sql/quote.js";

export const DEFAULT_ARCHIVE_SCHEMA = "backout_archive";
export const INDEX_TABLE = "archive_index";
/** The archive column holding the source row's ctid when the table has no primary key. */
export const CTID_COLUMN = "backout_ctid";

export interface ArchiveIndexRow {
  id: string;
  rollback_id: string;
  migration_version: string;
  source_schema: string;
  source_table: string;
  source_column: string | null;
  operation: string;
  archive_table: string;
  /** Primary key columns copied with the data; [] when the source had none (ctid used instead). */
  key_columns: string[];
  where_clause: string | null;
  rows: string;
  created_at: Date;
  restored_at: Date | null;
  restored_rows: string | null;
}

export async function ensureArchiveSchema(db: Queryable, schema: string): Promise<void> {
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${qualified(schema, INDEX_TABLE)} (
       id bigserial PRIMARY KEY,
       rollback_id text NOT NULL,
       migration_version text NOT NULL,
       source_schema text NOT NULL,
       source_table text NOT NULL,
       source_column text,
       operation text NOT NULL,
       archive_table text NOT NULL UNIQUE,
       key_columns text[] NOT NULL,
       where_clause text,
       rows bigint NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       restored_at timestamptz,
       restored_rows bigint
     )`,
  );
}

const MAX_IDENT_BYTES = 63;

/** Cuts `name` to at most `bytes` UTF-8 bytes without splitting a character. */
function cutBytes(name: string, bytes: number): string {
  let out = "";
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, "utf8") > bytes) break;
    out += ch;
  }
  return out;
}

/**
 * `<table>__<column|rows>__<short rollback id>__<version>[__n]`, cut to PostgreSQL's 63-byte limit
 * deterministically: a long name keeps its start and ends with 8 hex digits of its full hash, so
 * two long names that share a prefix still differ.
 */
export function archiveTableName(
  table: string,
  column: string | undefined,
  rollbackId: string,
  version: string,
  n = 1,
): string {
  const full = `${table}__${column ?? "rows"}__${rollbackId.slice(0, 8)}__${version}${n > 1 ? `__${n}` : ""}`;
  if (Buffer.byteLength(full, "utf8") <= MAX_IDENT_BYTES) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${cutBytes(full, MAX_IDENT_BYTES - hash.length - 1)}_${hash}`;
}

/** The first free archive table name for this target (`__2`, `__3`... when a migration hits it twice). */
export async function freeArchiveName(
  db: Queryable,
  schema: string,
  parts: { table: string; column: string | undefined; rollbackId: string; version: string },
): Promise<string> {
  for (let n = 1; ; n++) {
    const name = archiveTableName(parts.table, parts.column, parts.rollbackId, parts.version, n);
    if (!(await relationExists(db, qualified(schema, name)))) return name;
  }
}

export async function recordArchive(
  db: Queryable,
  schema: string,
  entry: Omit<ArchiveIndexRow, "id" | "rows" | "created_at" | "restored_at" | "restored_rows"> & {
    rows: number;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO ${qualified(schema, INDEX_TABLE)}
       (rollback_id, migration_version, source_schema, source_table, source_column, operation,
        archive_table, key_columns, where_clause, rows)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      entry.rollback_id,
      entry.migration_version,
      entry.source_schema,
      entry.source_table,
      entry.source_column,
      entry.operation,
      entry.archive_table,
      entry.key_columns,
      entry.where_clause,
      entry.rows,
    ],
  );
}
