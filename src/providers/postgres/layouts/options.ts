import { quoteIdent } from "../sql/quote.js";
import type { NpmToolOptions } from "./npm-options.js";

/** What every layout factory may be given (see detect.ts). */
export interface LayoutOptions {
  /** Override of the tool's history table: "table" or "schema.table". */
  historyTable?: string;
  /** The migrations directory, for layouts whose history holds only the current version (golang-migrate). */
  migrationsDir?: string;
  /** Who the tool's history names as committer (Sqitch), instead of what the tool would find. */
  committer?: { name?: string; email?: string };
  /** The environment the tool would run with (Sqitch reads SQITCH_FULLNAME, HOME...). */
  env?: Record<string, string | undefined>;
  /** node-pg-migrate's --schema, --migrations-schema/-table, --decamelize, as the project runs it. */
  nodePgMigrate?: NpmToolOptions;
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
