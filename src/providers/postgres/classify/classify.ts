/**
 * Classifies every statement of a down script with the real PostgreSQL parser (libpg-query):
 * safe, destructive (with the tables and columns whose data it destroys), or opaque. Default
 * deny: safe only when the statement's rule says so AND every node of its tree is on the
 * allow-list (node-kinds.ts, statement-kinds.ts).
 */
import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../connection/queryable.js";
import { type Json, type JsonObject, arr, nodeOf, obj, str } from "./ast.js";
import {
  type RuleContext,
  type Verdict,
  alterTableRule,
  combine,
  dropRule,
  opaqueRule,
  truncateRule,
} from "./rules.js";
import { copyRule, dmlRule, insertRule, mergeRule, nestedDml, selectRule } from "./rules-dml.js";
import { CreatedHere } from "./created-here.js";
import { type EventTriggerHit, eventTriggers } from "./reach-catalog.js";
import { withReach } from "./reach.js";
import { ScriptHooks } from "./script-hooks.js";
import { checkTree, describeFindings } from "./tree-check.js";
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

async function ruleFor(kind: string, node: JsonObject, ctx: RuleContext): Promise<Verdict> {
  switch (kind) {
    case "DropStmt":
      return dropRule(node, ctx);
    case "AlterTableStmt":
      return alterTableRule(node, ctx);
    case "TruncateStmt":
      return truncateRule(node, ctx);
    case "DeleteStmt":
    case "UpdateStmt":
      return dmlRule(kind, node, ctx);
    case "InsertStmt":
      return insertRule(node, ctx);
    case "MergeStmt":
      return mergeRule(node, ctx);
    case "CopyStmt":
      return copyRule(node, ctx);
    case "SelectStmt":
      return selectRule(node);
    case "CreateTableAsStmt":
      return {
        class: "safe",
        reason: "creates a table or materialized view from a query (adds data)",
        targets: [],
      };
    case "VariableSetStmt":
      return { class: "safe", reason: `sets ${str(node.name) ?? "a setting"} for the session`, targets: [] };
    case "ExplainStmt":
      return explainRule(node, ctx);
    case "CreateSchemaStmt":
      return combine([
        { class: "safe", reason: "creates a schema", targets: [] },
        ...(await Promise.all(arr(node.schemaElts).map((e) => classifyNode(e, ctx)))),
      ]);
  }
  const safe = SAFE_KINDS.get(kind);
  if (safe !== undefined) return { class: "safe", reason: safe, targets: [] };
  return opaqueRule(kind, node);
}

/** EXPLAIN runs its statement only with ANALYZE; then it is judged as that statement. */
async function explainRule(node: JsonObject, ctx: RuleContext): Promise<Verdict> {
  const analyze = arr(node.options).some((o) => str(obj(obj(o).DefElem).defname) === "analyze");
  if (!analyze) return { class: "safe", reason: "EXPLAIN plans a statement without running it", targets: [] };
  const inner = await classifyNode(node.query, ctx);
  return { ...inner, reason: `EXPLAIN ANALYZE runs it: ${inner.reason}` };
}

/**
 * The statement's rule, then default deny over its whole tree: a nested data-modifying statement,
 * a call to a function not known to be pure, or any node not on the allow-list makes it opaque
 * (keeping the targets the rule found, so what can be measured still is).
 */
async function classifyNode(stmt: Json | undefined, ctx: RuleContext): Promise<Verdict> {
  const [kind, node] = nodeOf(stmt);
  const verdict = await ruleFor(kind, node, ctx);
  if (verdict.class === "opaque" || kind === "ExplainStmt" || kind === "CreateSchemaStmt") return verdict;
  const findings = checkTree(kind, node);
  const nested = await Promise.all(findings.modifying.map((m) => nestedDml(m.kind, m.node, ctx)));
  const why = describeFindings(findings);
  if (why === undefined && nested.length === 0) return verdict;
  const own = verdict.class === "safe" && nested.length > 0 ? [] : [verdict.reason];
  const reasons = [...own, ...nested.map((n) => n.reason), ...(why === undefined ? [] : [why])];
  return {
    class: "opaque",
    reason: reasons.join("; "),
    targets: [...verdict.targets, ...nested.flatMap((n) => n.targets)],
  };
}

/**
 * `defaultSchema` is where unqualified names resolve (the search_path's first schema). With `db`,
 * ALTER COLUMN ... TYPE is judged against the column's live type (int → bigint is lossless);
 * without it only changes to unbounded text types are. With `db`, a statement that fires
 * triggers, rules or foreign-key actions (or, for DDL, event triggers) is opaque (reach.ts).
 */
export async function classifyScript(
  sql: string,
  file: string,
  defaultSchema = "public",
  db?: Queryable,
): Promise<ClassifiedStatement[]> {
  const parsed = await parseScript(sql, file);
  const out: ClassifiedStatement[] = [];
  let schema = defaultSchema;
  const created = new CreatedHere();
  const hooks = new ScriptHooks();
  let events: Promise<EventTriggerHit[]> | undefined;
  const eventTriggersOnce = () => (events ??= db === undefined ? Promise.resolve([]) : eventTriggers(db));
  for (const raw of splitStatements(sql, parsed.stmts ?? [])) {
    const own = created.relieve(await classifyNode(raw.stmt, { sql: raw.sql, defaultSchema: schema, db }));
    const verdict = await withReach(raw.stmt, own, schema, hooks, db, eventTriggersOnce);
    out.push({ sql: raw.sql, line: raw.line, ...verdict });
    created.note(raw.stmt, raw.line, schema);
    hooks.note(raw.stmt, raw.line, schema);
    schema = searchPathAfter(raw.stmt, schema, defaultSchema);
  }
  return out;
}

/**
 * `SET [LOCAL] search_path TO app, public` changes where the following statements' unqualified
 * names resolve: targets, measuring and archiving must follow it. RESET / DEFAULT go back.
 */
function searchPathAfter(stmt: Json, current: string, initial: string): string {
  const [kind, node] = nodeOf(stmt);
  if (kind !== "VariableSetStmt") return current;
  const setKind = str(node.kind);
  if (setKind === "VAR_RESET_ALL") return initial;
  if (str(node.name) !== "search_path") return current;
  if (setKind === "VAR_SET_VALUE") {
    // "$user" resolves to a schema named after the role only if one exists; the next entry is the usual target.
    const values = arr(node.args).map((a) => str(obj(obj(obj(a).A_Const).sval).sval));
    return values.find((v) => v !== undefined && v !== "$user") ?? current;
  }
  return setKind === "VAR_SET_DEFAULT" || setKind === "VAR_RESET" ? initial : current;
}
