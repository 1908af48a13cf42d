/**
 * Sqitch's templates wrap every deploy and revert script in `BEGIN; ... COMMIT;`: Sqitch runs each
 * script through psql in a transaction of its own, then updates its registry in another. That
 * outer pair is Sqitch's convention, not the script author's intent. backout runs the script and
 * the registry update in ONE transaction, so the script's COMMIT must not end it early (a crash
 * in between left the schema reverted and the change still registered). This removes exactly that
 * outer pair, found with the real PostgreSQL parser (libpg-query), never by pattern matching.
 */
import type { Json } from "../classify/ast.js";

interface ParsedStmt {
  stmt?: Json;
  stmt_location?: number;
  stmt_len?: number;
}

function transactionKind(stmt: Json | undefined): string | undefined {
  const t = (stmt as { TransactionStmt?: { kind?: unknown } } | null | undefined)?.TransactionStmt;
  return typeof t?.kind === "string" ? t.kind : undefined;
}

/** Blanks bytes [start, end) and the `;` that ends the statement, keeping newlines (line numbers stay). */
function blank(bytes: Buffer, start: number, end: number): void {
  for (let i = start; i < end; i++) if (bytes[i] !== 0x0a) bytes[i] = 0x20;
  let j = end;
  while (
    j < bytes.length &&
    (bytes[j] === 0x20 || bytes[j] === 0x09 || bytes[j] === 0x0d || bytes[j] === 0x0a)
  )
    j++;
  if (bytes[j] === 0x3b) bytes[j] = 0x20;
}

/**
 * `script` without its outer transaction control: the first top-level statement when it is BEGIN
 * or START TRANSACTION, together with the last when it is COMMIT (or END). Anything else is left
 * as it is (a lone BEGIN, a ROLLBACK, a SAVEPOINT, a script the parser refuses), and the
 * classifier then reports it (transaction control is opaque; a syntax error fails the plan).
 */
export async function withoutOuterTransaction(script: string): Promise<string> {
  let stmts: ParsedStmt[];
  try {
    const { parse } = await import("libpg-query");
    stmts = ((await parse(script)) as { stmts?: ParsedStmt[] }).stmts ?? [];
  } catch {
    return script;
  }
  const first = stmts[0];
  const last = stmts.at(-1);
  if (first === undefined || last === undefined || first === last) return script;
  const opens = ["TRANS_STMT_BEGIN", "TRANS_STMT_START"].includes(transactionKind(first.stmt) ?? "");
  if (!opens || transactionKind(last.stmt) !== "TRANS_STMT_COMMIT") return script;
  const bytes = Buffer.from(script, "utf8");
  const range = (s: ParsedStmt): [number, number] => {
    const start = s.stmt_location ?? 0;
    return [start, s.stmt_len ? start + s.stmt_len : bytes.length];
  };
  // The parser's range holds the comments before the statement too: blanking them is harmless.
  for (const s of [first, last]) blank(bytes, ...range(s));
  return bytes.toString("utf8");
}
