import type { Queryable } from "../db.js";
import { quoteIdent } from "../sql/quote.js";

/** What every layout factory may be given (see detect.ts). */
export interface LayoutOptions {
  /** Override of the tool's history table: "table" or "schema.table". */
  historyTable?: string;
  /** The migrations directory, for layouts whose history holds only the current version (golang-migrate). */
  migrationsDir?: string;
}

export interface HistoryTable {
  /** Quoted, ready for SQL text: "schema"."table" or "table". */
  sql: string;
  /** Unquoted, for messages. */
  display: string;
  schema: string | undefined;
}

export function historyTable(options: LayoutOptions, fallback: string): HistoryTable {
  const name = options.historyTable ?? fallback;
  const dot = name.indexOf(".");
  if (dot < 0) return { sql: quoteIdent(name), display: name, schema: undefined };
  const schema = name.slice(0, dot);
  const table = name.slice(dot + 1);
  return { sql: `${quoteIdent(schema)}.${quoteIdent(table)}`, display: name, schema };
}

/** Whether the history table exists (a database no tool has touched yet has none). */
export async function tableExists(db: Queryable, table: HistoryTable): Promise<boolean> {
  const r = await db.query<{ oid: string | null }>("SELECT to_regclass($1)::text AS oid", [table.sql]);
  return r.rows[0]?.oid !== null && r.rows[0]?.oid !== undefined;
}

/** Numeric order when both are digit strings (dbmate timestamps, golang-migrate numbers), text order otherwise. */
export function compareVersions(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when the SQL holds nothing but whitespace and comments. */
export function isBlankSql(sql: string): boolean {
  return (
    sql
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/--.*$/gm, "")
      .trim() === ""
  );
}
