/**
 * One rule per statement kind that can lose data through DDL: drops, ALTER TABLE, TRUNCATE, and
 * the opaque ones (DO, CALL, EXECUTE...). Row-changing statements are in rules-dml.ts.
 */
import type { Queryable } from "../connection/queryable.js";
import { type JsonObject, arr, names, obj, relation, str } from "./ast.js";
import { currentType, isLossless, targetType } from "./alter-type.js";
import type { DataTarget, StatementClass } from "./types.js";

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

export const label = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;
const CASCADE_NOTE =
  "CASCADE also drops dependent objects (views, foreign keys...) that the parser cannot list";

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
  if (type === "OBJECT_EXTENSION") {
    return {
      class: "opaque",
      reason:
        "drops an extension: its member objects go with it, including any tables it owns, which the parser cannot list",
      targets: [],
    };
  }
  if (DATALESS_DROPS.has(type) && (!cascade || CASCADE_DATALESS.has(type))) {
    return { class: "safe", reason: `drops ${kind} (holds no data of its own)`, targets: [] };
  }
  if (DATALESS_DROPS.has(type)) {
    // DROP TYPE/DOMAIN/FUNCTION ... CASCADE drops the columns, defaults or tables that use them.
    return {
      class: "opaque",
      reason: `drops ${kind} with CASCADE: columns or tables depending on it go too, and the parser cannot see which`,
      targets: [],
    };
  }
  return {
    class: "opaque",
    reason: `drops ${kind}: backout does not know what data goes with it`,
    targets: [],
  };
}

/**
 * Objects that hold no rows or values of their own: dropping one without CASCADE either fails
 * (something depends on it) or loses nothing. A foreign table's rows live on the remote server.
 */
const DATALESS_DROPS: ReadonlySet<string> = new Set([
  "OBJECT_VIEW",
  "OBJECT_MATVIEW",
  "OBJECT_INDEX",
  "OBJECT_SEQUENCE",
  "OBJECT_TRIGGER",
  "OBJECT_RULE",
  "OBJECT_POLICY",
  "OBJECT_FUNCTION",
  "OBJECT_PROCEDURE",
  "OBJECT_ROUTINE",
  "OBJECT_AGGREGATE",
  "OBJECT_OPERATOR",
  "OBJECT_OPCLASS",
  "OBJECT_OPFAMILY",
  "OBJECT_TYPE",
  "OBJECT_DOMAIN",
  "OBJECT_CAST",
  "OBJECT_COLLATION",
  "OBJECT_CONVERSION",
  "OBJECT_STATISTIC_EXT",
  "OBJECT_TSCONFIGURATION",
  "OBJECT_TSDICTIONARY",
  "OBJECT_TSPARSER",
  "OBJECT_TSTEMPLATE",
  "OBJECT_EVENT_TRIGGER",
  "OBJECT_PUBLICATION",
  "OBJECT_ACCESS_METHOD",
  "OBJECT_TRANSFORM",
  "OBJECT_LANGUAGE",
  "OBJECT_FOREIGN_TABLE",
  "OBJECT_FOREIGN_SERVER",
  "OBJECT_FDW",
]);

/** Whose CASCADE reaches only other data-less objects (views on a view, an index's nothing). */
const CASCADE_DATALESS: ReadonlySet<string> = new Set([
  "OBJECT_VIEW",
  "OBJECT_MATVIEW",
  "OBJECT_INDEX",
  "OBJECT_TRIGGER",
  "OBJECT_RULE",
  "OBJECT_POLICY",
  "OBJECT_STATISTIC_EXT",
  "OBJECT_PUBLICATION",
  "OBJECT_EVENT_TRIGGER",
]);

/**
 * ALTER TABLE actions that keep every stored value: they add, constrain (a violated constraint
 * fails the statement rather than change rows), rename, store differently or (DETACH/NO
 * INHERIT) separate a partition or child whose rows stay in it. Any other action is opaque.
 */
const KEEPING_ALTERS: ReadonlySet<string> = new Set([
  "AT_AddColumn",
  "AT_AddColumnToView",
  "AT_ColumnDefault",
  "AT_CookedColumnDefault",
  "AT_DropNotNull",
  "AT_SetNotNull",
  "AT_CheckNotNull",
  "AT_DropExpression",
  "AT_SetStatistics",
  "AT_SetOptions",
  "AT_ResetOptions",
  "AT_SetStorage",
  "AT_SetCompression",
  "AT_AddIndex",
  "AT_ReAddIndex",
  "AT_AddConstraint",
  "AT_ReAddConstraint",
  "AT_AlterConstraint",
  "AT_ValidateConstraint",
  "AT_AddIndexConstraint",
  "AT_DropConstraint",
  "AT_AlterColumnGenericOptions",
  "AT_ChangeOwner",
  "AT_ClusterOn",
  "AT_DropCluster",
  "AT_SetLogged",
  "AT_SetUnLogged",
  "AT_DropOids",
  "AT_SetAccessMethod",
  "AT_SetTableSpace",
  "AT_SetRelOptions",
  "AT_ResetRelOptions",
  "AT_ReplaceRelOptions",
  "AT_EnableTrig",
  "AT_EnableAlwaysTrig",
  "AT_EnableReplicaTrig",
  "AT_DisableTrig",
  "AT_EnableTrigAll",
  "AT_DisableTrigAll",
  "AT_EnableTrigUser",
  "AT_DisableTrigUser",
  "AT_EnableRule",
  "AT_EnableAlwaysRule",
  "AT_EnableReplicaRule",
  "AT_DisableRule",
  "AT_AddInherit",
  "AT_DropInherit",
  "AT_AddOf",
  "AT_DropOf",
  "AT_ReplicaIdentity",
  "AT_EnableRowSecurity",
  "AT_DisableRowSecurity",
  "AT_ForceRowSecurity",
  "AT_NoForceRowSecurity",
  "AT_GenericOptions",
  "AT_AttachPartition",
  "AT_DetachPartition",
  "AT_DetachPartitionFinalize",
  "AT_AddIdentity",
  "AT_SetIdentity",
  "AT_DropIdentity",
]);

export async function alterTableRule(node: JsonObject, ctx: RuleContext): Promise<Verdict> {
  const rel = relation(obj(node.relation), ctx.defaultSchema);
  const objtype = str(node.objtype);
  const verdicts: Verdict[] = [];
  for (const c of arr(node.cmds)) {
    const cmd = obj(obj(c).AlterTableCmd);
    const column = str(cmd.name) ?? "";
    const subtype = str(cmd.subtype) ?? "";
    const at = `${label(rel)}.${column}`;
    const changesValues = subtype === "AT_DropColumn" || subtype === "AT_AlterColumnType";
    if (objtype === "OBJECT_FOREIGN_TABLE" && changesValues) {
      verdicts.push({
        class: "safe",
        reason: `alters foreign table ${label(rel)} (its rows live remotely)`,
        targets: [],
      });
    } else if (objtype !== "OBJECT_TABLE" && changesValues) {
      // ALTER TYPE composite DROP/ALTER ATTRIBUTE: every column of that type, in any table, changes.
      verdicts.push({
        class: "opaque",
        reason: `${subtype === "AT_DropColumn" ? "drops" : "changes the type of"} attribute ${at}: every column of this type loses or converts it, in tables the parser cannot list`,
        targets: [],
      });
    } else if (subtype === "AT_DropColumn") {
      const cascade = str(cmd.behavior) === "DROP_CASCADE";
      verdicts.push({
        class: "destructive",
        reason: `drops column ${at}${cascade ? `; ${CASCADE_NOTE}` : ""}`,
        targets: [{ ...rel, column, operation: "drop-column" }],
      });
    } else if (subtype === "AT_AlterColumnType") {
      verdicts.push(await alterTypeVerdict(cmd, rel, column, ctx));
    } else if (subtype === "AT_SetExpression") {
      verdicts.push({
        class: "destructive",
        reason: `recomputes generated column ${at} (its stored values are replaced)`,
        targets: [{ ...rel, column, operation: "update" }],
      });
    } else if (KEEPING_ALTERS.has(subtype)) {
      verdicts.push({
        class: "safe",
        reason: `alters table ${label(rel)} (${describeAlter(subtype)})`,
        targets: [],
      });
    } else {
      verdicts.push({
        class: "opaque",
        reason: `ALTER TABLE ${label(rel)}: ${subtype} is not known to keep data`,
        targets: [],
      });
    }
  }
  return combine(verdicts);
}

/** AT_DetachPartition → "detach partition". */
function describeAlter(subtype: string): string {
  return subtype
    .replace(/^AT_/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
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
