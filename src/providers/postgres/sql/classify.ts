/**
 * Classifies every statement of a down script with the real PostgreSQL parser (libpg-query):
 * safe, destructive (with the tables and columns whose data it destroys), or opaque.
 */
import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../db.js";
import { type Json, nodeOf } from "./ast.js";
import {
  type RuleContext,
  type Verdict,
  alterTableRule,
  dmlRule,
  dropRule,
  insertRule,
  opaqueRule,
  selectRule,
  truncateRule,
} from "./rules.js";
import { lineAtByte, splitStatements } from "./split.js";
import { SAFE_KINDS } from "./statement-kinds.js";
import type { ClassifiedStatement } from "./types.js";

interface ParseResult {
  stmts?: { stmt?: Json; stmt_location?: number; stmt_len?: number }[];
}

async function parseScript(sql: string, file: string): Promise<ParseResult> {
  try {
    // Loaded on first use: the parser (WASM) is only needed when a plan reads down scripts.
    const { parse } = await import("libpg-query");
    return (await parse(sql)) as ParseResult;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const position = (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    const line = position === undefined ? undefined : lineAtByte(Buffer.from(sql, "utf8"), position);
    throw new BackoutError(
      "PLAN_INVALID",
      `${file}${line === undefined ? "" : `:${line}`}: the PostgreSQL parser rejects the down script: ${message}`,
      {
        hint: "fix the down script (it must be valid SQL for the migration to be reversible), then plan again",
        where: { file, ...(line === undefined ? {} : { line }) },
        cause: e,
      },
    );
  }
}

async function classifyNode(stmt: Json, ctx: RuleContext): Promise<Verdict> {
  const [kind, node] = nodeOf(stmt);
  if (kind === "DropStmt") return dropRule(node, ctx);
  if (kind === "AlterTableStmt") return alterTableRule(node, ctx);
  if (kind === "TruncateStmt") return truncateRule(node, ctx);
  if (kind === "DeleteStmt" || kind === "UpdateStmt") return dmlRule(kind, node, ctx);
  if (kind === "InsertStmt") return insertRule(node, ctx);
  if (kind === "SelectStmt") return selectRule(node);
  if (kind === "CreateFunctionStmt") {
    return { class: "safe", reason: "creates a function (its body runs only when called)", targets: [] };
  }
  if (SAFE_KINDS.has(kind)) return { class: "safe", reason: describe(kind), targets: [] };
  return opaqueRule(kind, node);
}

function describe(kind: string): string {
  const words = kind
    .replace(/Stmt$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return `${words}: no stored data removed`;
}

/**
 * `defaultSchema` is where unqualified names resolve (the search_path's first schema). With `db`,
 * ALTER COLUMN ... TYPE is judged against the column's live type (int → bigint is lossless);
 * without it only changes to unbounded text types are.
 */
export async function classifyScript(
  sql: string,
  file: string,
  defaultSchema = "public",
  db?: Queryable,
): Promise<ClassifiedStatement[]> {
  const parsed = await parseScript(sql, file);
  const out: ClassifiedStatement[] = [];
  for (const raw of splitStatements(sql, parsed.stmts ?? [])) {
    const verdict = await classifyNode(raw.stmt, { sql: raw.sql, defaultSchema, db });
    out.push({ sql: raw.sql, line: raw.line, ...verdict });
  }
  return out;
}
