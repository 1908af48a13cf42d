/**
 * Rules for the statements that change rows: DELETE, UPDATE, INSERT, MERGE, COPY, and SELECT
 * (which changes rows only through what it calls or nests, judged by tree-check.ts).
 */
import { type JsonObject, arr, findNodes, names, nodeOf, obj, relation, str } from "./ast.js";
import { type RuleContext, type Verdict, label } from "./rules.js";
import type { DataTarget } from "./types.js";
import { whereText } from "./where-text.js";
import { quoteIdent, qualified } from "../sql/quote.js";

/**
 * A self-contained condition on the bare table: the WHERE text itself, or, when the statement
 * names the table by an alias, the same condition wrapped to select those rows' ctids.
 */
async function isolatedWhere(node: JsonObject, ctx: RuleContext, rel: { schema: string; table: string }) {
  const text = await whereText(ctx.sql, node.whereClause);
  if (text === undefined) return undefined;
  const alias = str(obj(obj(node.relation).alias).aliasname);
  if (alias === undefined) return text;
  const a = quoteIdent(alias);
  return `ctid IN (SELECT ${a}.ctid FROM ${qualified(rel.schema, rel.table)} AS ${a} WHERE ${text})`;
}

export async function dmlRule(
  kind: "DeleteStmt" | "UpdateStmt",
  node: JsonObject,
  ctx: RuleContext,
): Promise<Verdict> {
  const rel = relation(obj(node.relation), ctx.defaultSchema);
  const operation = kind === "DeleteStmt" ? "delete" : "update";
  const joined = arr(kind === "DeleteStmt" ? node.usingClause : node.fromClause).length > 0;
  const hasWhere = node.whereClause !== undefined;
  // WHERE CURRENT OF, USING / FROM joins: the rows cannot be isolated alone; take the whole table.
  const where =
    hasWhere && !joined && findNodes(node.whereClause, "CurrentOfExpr").length === 0
      ? await isolatedWhere(node, ctx, rel)
      : undefined;
  const scope = !hasWhere
    ? "every row"
    : where !== undefined
      ? `rows where ${where}`
      : "rows the parser cannot isolate (the whole table is measured)";
  const columns = arr(node.targetList).map((t) => str(obj(obj(t).ResTarget).name) ?? "");
  const targets: DataTarget[] =
    operation === "delete"
      ? [{ ...rel, ...(where !== undefined ? { where } : {}), operation }]
      : [...new Set(columns)].map((column) => ({
          ...rel,
          column,
          ...(where !== undefined ? { where } : {}),
          operation,
        }));
  const verb =
    operation === "delete"
      ? `deletes ${scope} of ${label(rel)}`
      : `overwrites ${columns.map((c) => `${label(rel)}.${c}`).join(", ")} in ${scope}`;
  if (operation === "update" && node.withClause === undefined && fillsOnlyNulls(node, columns)) {
    return {
      class: "safe",
      reason: `fills ${columns.join(", ")} of ${label(rel)} only where it is NULL`,
      targets: [],
    };
  }
  if (node.withClause !== undefined) {
    // The WHERE may name the WITH's queries, so it cannot be measured or archived on its own.
    return { class: "opaque", reason: `${verb}; its WITH clause may change other tables`, targets };
  }
  return { class: "destructive", reason: verb, targets };
}

/** `col IS NULL` on the bare column (or the table's alias), as a top-level AND term. */
function nullTests(where: JsonObject): Set<string> {
  const [kind, node] = nodeOf(where);
  const terms =
    kind === "BoolExpr" && str(node.boolop) === "AND_EXPR"
      ? arr(node.args).map((a) => nodeOf(a))
      : [[kind, node] as const];
  const out = new Set<string>();
  for (const [k, n] of terms) {
    if (k !== "NullTest" || str(n.nulltesttype) !== "IS_NULL") continue;
    const fields = names(obj(obj(n.arg).ColumnRef).fields);
    const column = fields.at(-1);
    if (column !== undefined && fields.length <= 2) out.add(column);
  }
  return out;
}

/**
 * UPDATE t SET c = ... WHERE c IS NULL [AND ...]: only NULLs are overwritten, nothing stored is
 * lost (the usual backfill). Every column set must be tested that way; a FROM join is left to the
 * general rule.
 */
function fillsOnlyNulls(node: JsonObject, columns: string[]): boolean {
  if (node.whereClause === undefined || arr(node.fromClause).length > 0 || columns.length === 0) return false;
  const tested = nullTests(obj(node.whereClause));
  return columns.every((c) => tested.has(c));
}

export function insertRule(node: JsonObject, ctx: RuleContext): Verdict {
  const rel = relation(obj(node.relation), ctx.defaultSchema);
  if (str(obj(node.onConflictClause).action) === "ONCONFLICT_UPDATE") {
    return {
      class: "opaque",
      reason: `INSERT ... ON CONFLICT DO UPDATE overwrites rows of ${label(rel)} that cannot be isolated`,
      targets: [],
    };
  }
  return { class: "safe", reason: `inserts into ${label(rel)} (adds data)`, targets: [] };
}

export function selectRule(node: JsonObject): Verdict {
  if (node.intoClause !== undefined)
    return { class: "safe", reason: "SELECT INTO creates a table", targets: [] };
  return { class: "safe", reason: "reads only", targets: [] };
}

/**
 * MERGE: only-INSERT (or DO NOTHING) actions add data; UPDATE and DELETE actions change rows the
 * parser cannot isolate, so the whole table is measured (and archived under the archive policy).
 */
export function mergeRule(node: JsonObject, ctx: RuleContext): Verdict {
  const rel = relation(obj(node.relation), ctx.defaultSchema);
  const actions = arr(node.mergeWhenClauses).map((c) => obj(obj(c).MergeWhenClause));
  const targets: DataTarget[] = [];
  for (const a of actions) {
    const cmd = str(a.commandType);
    if (cmd === "CMD_DELETE") targets.push({ ...rel, operation: "delete" });
    if (cmd === "CMD_UPDATE") {
      for (const t of arr(a.targetList)) {
        targets.push({ ...rel, column: str(obj(obj(t).ResTarget).name) ?? "", operation: "update" });
      }
    }
  }
  if (targets.length === 0)
    return { class: "safe", reason: `merges into ${label(rel)} (inserts only)`, targets };
  const deletes = targets.some((t) => t.operation === "delete");
  const unique = deletes ? [{ ...rel, operation: "delete" as const }] : targets;
  return {
    class: "destructive",
    reason: `MERGE ${deletes ? "deletes" : "overwrites"} rows of ${label(rel)} the parser cannot isolate (the whole table is measured)`,
    targets: unique,
  };
}

/**
 * COPY FROM a server file adds rows. COPY TO writes a file on the server (it may overwrite one),
 * PROGRAM runs a shell command, FROM STDIN needs data only psql can send: all opaque.
 */
export function copyRule(node: JsonObject, ctx: RuleContext): Verdict {
  const rel = relation(obj(node.relation), ctx.defaultSchema);
  if (node.is_program === true)
    return { class: "opaque", reason: "COPY ... PROGRAM runs a shell command on the server", targets: [] };
  if (node.is_from !== true)
    return {
      class: "opaque",
      reason: "COPY ... TO writes a file on the server (it may overwrite one)",
      targets: [],
    };
  if (node.filename === undefined)
    return { class: "opaque", reason: "COPY ... FROM STDIN needs data that only psql sends", targets: [] };
  return {
    class: "safe",
    reason: `copies rows from a server file into ${label(rel)} (adds data)`,
    targets: [],
  };
}

/** WITH x AS (DELETE ...): the nested statement's own targets, but opaque (its WHERE may name x). */
export async function nestedDml(kind: string, node: JsonObject, ctx: RuleContext): Promise<Verdict> {
  if (kind === "DeleteStmt" || kind === "UpdateStmt") {
    const inner = await dmlRule(kind, node, ctx);
    return { class: "opaque", reason: `a data-modifying WITH ${inner.reason}`, targets: inner.targets };
  }
  if (kind === "MergeStmt") {
    const inner = mergeRule(node, ctx);
    return { class: "opaque", reason: `a data-modifying WITH ${inner.reason}`, targets: inner.targets };
  }
  return { class: "opaque", reason: "a data-modifying WITH inserts rows", targets: [] };
}
