/**
 * Identifier quoting for PostgreSQL. Values always travel as bind parameters; identifiers cannot,
 * so every schema, table and column name that reaches SQL text goes through quoteIdent.
 */
import { internal } from "../errors.js";

/** `users` → `"users"`, `we"ird` → `"we""ird"`. Always quotes, so case and reserved words survive. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw internal("quoteIdent: empty identifier");
  if (name.includes("\u0000")) throw internal("quoteIdent: identifier contains a NUL byte");
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
