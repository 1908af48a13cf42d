/**
 * Cuts a script into statements with the parser's own locations. libpg-query reports byte
 * offsets into the UTF-8 text, so the cut happens on bytes, never on JavaScript string indices.
 */
import type { Json } from "./ast.js";

export interface RawStatement {
  stmt: Json;
  /** The statement text without the comments and blank lines before it, nor the semicolon. */
  sql: string;
  /** 1-based line of its first character in the script. */
  line: number;
}

interface ParsedStmt {
  stmt?: Json;
  stmt_location?: number;
  stmt_len?: number;
}

/** Index of the first character that is neither white space nor inside a comment. */
function skipSpaceAndComments(text: string, from = 0): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] ?? "")) i++;
    if (text.startsWith("--", i)) {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (text.startsWith("/*", i)) {
      // PostgreSQL block comments nest.
      let depth = 0;
      while (i < text.length) {
        if (text.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (text.startsWith("*/", i)) {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
    } else return i;
  }
}

/** 1-based line of a byte offset in `bytes`. */
export function lineAtByte(bytes: Buffer, offset: number): number {
  let line = 1;
  const end = Math.min(offset, bytes.length);
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

export function splitStatements(script: string, stmts: ParsedStmt[]): RawStatement[] {
  const bytes = Buffer.from(script, "utf8");
  return stmts.map((s) => {
    const start = s.stmt_location ?? 0;
    // stmt_len 0 (or absent) means "to the end of the script".
    const end = s.stmt_len ? start + s.stmt_len : bytes.length;
    const raw = bytes.subarray(start, end).toString("utf8");
    const skip = skipSpaceAndComments(raw);
    const sql = raw.slice(skip).trimEnd();
    const line = lineAtByte(bytes, start + Buffer.byteLength(raw.slice(0, skip), "utf8"));
    return { stmt: s.stmt ?? null, sql, line };
  });
}
