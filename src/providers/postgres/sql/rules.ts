/**
 * One rule per statement kind that can lose data: drops, ALTER TABLE, TRUNCATE, DELETE, UPDATE,
 * INSERT ... ON CONFLICT, and the opaque ones (DO, CALL, EXECUTE, functions).
 */
import type { Queryable } from "../db.js";
import { type JsonObject, arr, findNodes, names, obj, relation, str } from "./ast.js";
import { currentType, isLossless, targetType } from "./alter-type.js";
import { PURE_FUNCTIONS } from "./statement-kinds.js";
import type { DataTarget, StatementClass } from "./types.js";
import { whereText } from "./where-text.js";
import { quoteIdent, qualified } from "./quote.js";

export interface Verdict {
  class: StatementClass;
  reason: string;
  targets: DataTarget[];
}

export interface RuleContext {
  sql: string;
  defaultSchema: string;
  db?: Queryable | undefined;
}

const RANK: Record<StatementClass, number> = { safe: 0, destructive: 1, opaque: 2 };

/** The worse of several verdicts, reasons joined, targets concatenated. */
export function combine(verdicts: Verdict[]): Verdict {
  const worst = verdicts.reduce<StatementClass>((w, v) => (RANK[v.class] > RANK[w] ? v.class : w), "safe");
  const reasons = verdicts.filter((v) => v.class === worst).map((v) => v.reason);
  return { class: worst, reason: reasons.join("; "), targets: verdicts.flatMap((v) => v.targets) };
}

const label = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;
const CASCADE_NOTE =
  "CASCADE also drops dependent objects (views, foreign keys...) that the parser cannot list";

/** Calls to functions that may do anything, by name. */
function unknownCalls(node: JsonObject): string[] {
  return findNodes(node, "FuncCall")
    .map((f) => names(f.funcname))
    .filter((n) => {
      const builtin = n.length === 1 || n[0] === "pg_catalog";
      return !(builtin && PURE_FUNCTIONS.has(n[n.length - 1] ?? ""));
    })
    .map((n) => n.join("."));
}

export function dropRule(node: JsonObject, ctx: RuleContext): Verdict {
  const type = str(node.removeType) ?? "";
  const cascade = str(node.behavior) === "DROP_CASCADE";
  const objects = arr(node.objects);
  if (type === "OBJECT_TABLE") {
    const targets: DataTarget[] = objects.map((o) => {
      const parts = names(obj(obj(o).List).items);
      const table = parts[parts.length - 1] ?? "";
      const schema = parts.length > 1 ? (parts[parts.length - 2] ?? ctx.defaultSchema) : ctx.defaultSchema;
      return { schema, table, operation: "drop-table" };
    });
    const what = `drops table ${targets.map(label).join(", ")}`;
    return { class: "destructive", reason: cascade ? `${what}; ${CASCADE_NOTE}` : what, targets };
  }
  if (type === "OBJECT_SCHEMA") {
    const targets: DataTarget[] = objects.map((o) => ({
      schema: str(obj(obj(o).String).sval) ?? "",
      table: "*",
      operation: "drop-schema",
    }));
    const what = `drops schema ${targets.map((t) => t.schema).join(", ")}`;
    return {
      class: "destructive",
      reason: cascade
        ? `${what} with every table in it; CASCADE also drops objects elsewhere that depend on them, which the parser cannot list`
        : `${what} (fails unless empty)`,
      targets,
    };
  }
  const kind = type
    .replace(/^OBJECT_/, "")
    .toLowerCase()
    .replace(/_/g, " ");
  // Views, indexes, sequences hold no rows of their own; a materialized view is derived data.
  const dataless = ["OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_INDEX", "OBJECT_SEQUENCE", "OBJECT_TRIGGER"];
  if (dataless.includes(type) || !cascade) {
    return { class: "safe", reason: `drops ${kind} (holds no data of its own)`, targets: [] };
  }
  // DROP TYPE/DOMAIN/FUNCTION/EXTENSION ... CASCADE drops the columns that use them.
  return {
    class: "opaque",
    reason: `drops ${kind} with CASCADE: columns or tables depending on it go too, and the parser cannot see which`,
    targets: [],
  };
}

export async function alterTableRule(node: JsonObject, ctx: RuleContext): Promise<Verdict> {
  const rel = relation(obj(node.relation), ctx.defaultSchema);
  const verdicts: Verdict[] = [];
  for (const c of arr(node.cmds)) {
    const cmd = obj(obj(c).AlterTableCmd);
    const column = str(cmd.name) ?? "";
    const subtype = str(cmd.subtype);
    const at = `${label(rel)}.${column}`;
    if (subtype === "AT_DropColumn") {
      const cascade = str(cmd.behavior) === "DROP_CASCADE";
      verdicts.push({
        class: "destructive",
        reason: `drops column ${at}${cascade ? `; ${CASCADE_NOTE}` : ""}`,
        targets: [{ ...rel, column, operation: "drop-column" }],
      });
    } else if (subtype === "AT_AlterColumnType") {
      verdicts.push(await alterTypeVerdict(cmd, rel, column, ctx));
    } else {
      verdicts.push({ class: "safe", reason: `alters table ${label(rel)}`, targets: [] });
    }
  }
  return combine(verdicts);
}

async function alterTypeVerdict(
  cmd: JsonObject,
  rel: { schema: string; table: string },
  column: string,
  ctx: RuleContext,
): Promise<Verdict> {
  const def = obj(cmd.def);
  const to = targetType(def);
  const using = obj(def.ColumnDef).raw_default !== undefined;
  const from = ctx.db ? await currentType(ctx.db, rel.schema, rel.table, column) : undefined;
  const at = `${label(rel)}.${column}`;
  if (!using && isLossless(from, to)) {
    return { class: "safe", reason: `changes ${at} to ${to.name} (lossless)`, targets: [] };
  }
  const why = using
    ? "a USING expression may change values"
    : from
      ? `${from.name} → ${to.name} may lose values`
      : `${to.name} may not hold every current value`;
  return {
    class: "destructive",
    reason: `changes the type of ${at}: ${why}`,
    targets: [{ ...rel, column, operation: "alter-type" }],
  };
}

export function truncateRule(node: JsonObject, ctx: RuleContext): Verdict {
  const targets: DataTarget[] = arr(node.relations).map((r) => ({
    ...relation(obj(obj(r).RangeVar), ctx.defaultSchema),
    operation: "truncate",
  }));
  const what = `empties ${targets.map(label).join(", ")}`;
  if (str(node.behavior) === "DROP_CASCADE") {
    // The tables emptied through foreign keys are not in the statement: nothing can archive them.
    return { class: "opaque", reason: `${what}; CASCADE also empties every table referencing them`, targets };
  }
  return { class: "destructive", reason: what, targets };
}

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
  if (node.withClause !== undefined) {
    return { class: "opaque", reason: `${verb}; its WITH clause may change other tables`, targets };
  }
  const calls = unknownCalls(node);
  if (calls.length)
    return { class: "opaque", reason: `${verb}; calls ${calls.join(", ")}, which may do anything`, targets };
  return { class: "destructive", reason: verb, targets };
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
  if (node.withClause !== undefined)
    return { class: "opaque", reason: "INSERT with a WITH clause may change other tables", targets: [] };
  const calls = unknownCalls(node);
  if (calls.length)
    return {
      class: "opaque",
      reason: `inserts into ${label(rel)}; calls ${calls.join(", ")}, which may do anything`,
      targets: [],
    };
  return { class: "safe", reason: `inserts into ${label(rel)} (adds data)`, targets: [] };
}

export function selectRule(node: JsonObject): Verdict {
  const calls = unknownCalls(node);
  if (calls.length)
    return { class: "opaque", reason: `calls ${calls.join(", ")}: cannot see what it does`, targets: [] };
  if (findNodes(node, "IntoClause").length)
    return { class: "safe", reason: "SELECT INTO creates a table", targets: [] };
  return { class: "safe", reason: "reads only", targets: [] };
}

export function opaqueRule(kind: string, node: JsonObject): Verdict {
  const reasons: Record<string, string> = {
    DoStmt: "DO block: cannot see inside",
    CallStmt: `calls procedure ${names(obj(obj(node.funccall).FuncCall).funcname).join(".")}: cannot see inside`,
    ExecuteStmt: "EXECUTE of a prepared statement: cannot see what it runs",
    TransactionStmt: "transaction control inside a down script ends backout's transaction early",
    CopyStmt: "COPY: cannot see what it reads or writes",
  };
  return {
    class: "opaque",
    reason: reasons[kind] ?? `${kind}: backout cannot see what this statement does to data`,
    targets: [],
  };
}
