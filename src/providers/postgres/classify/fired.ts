/**
 * The row events a statement fires on each table it writes (DELETE, UPDATE, INSERT, TRUNCATE),
 * read from its parse tree: what triggers, rules and foreign-key actions on those tables react
 * to (reach.ts looks them up on the live database). Only statements that run their nested
 * queries count: a CREATE RULE or CREATE FUNCTION holding a DELETE fires nothing.
 */
import { type Json, type JsonObject, arr, findNodes, nodeOf, obj, relation, str } from "./ast.js";
import type { Verdict } from "./rules.js";

export type RowEvent = "insert" | "update" | "delete" | "truncate";

export interface Fired {
  schema: string;
  table: string;
  event: RowEvent;
  /** UPDATE: the columns set (ON UPDATE actions fire only for referenced columns); undefined = any. */
  columns?: string[];
  /** DELETE / UPDATE: the rows, as a condition on the bare table; undefined = every row. */
  where?: string;
  /** TRUNCATE ... CASCADE. */
  cascade?: boolean;
}

/** Statement kinds that execute the DML nested in them (a data-modifying WITH, EXPLAIN ANALYZE). */
const EXECUTING = new Set([
  "SelectStmt",
  "InsertStmt",
  "UpdateStmt",
  "DeleteStmt",
  "MergeStmt",
  "CopyStmt",
  "TruncateStmt",
  "CreateTableAsStmt",
]);

function executes(kind: string, node: JsonObject): boolean {
  if (kind !== "ExplainStmt") return EXECUTING.has(kind);
  return arr(node.options).some((o) => str(obj(obj(o).DefElem).defname) === "analyze");
}

const resNames = (list: Json | undefined): string[] =>
  arr(list).map((t) => str(obj(obj(t).ResTarget).name) ?? "");

/** The WHERE the classifier isolated for this table and operation, when it could. */
function whereOf(verdict: Verdict, rel: { schema: string; table: string }, op: string): string | undefined {
  const t = verdict.targets.find(
    (x) => x.schema === rel.schema && x.table === rel.table && x.operation === op,
  );
  return t?.where;
}

/** Every row event `stmt` fires, with the rows when the classifier isolated them. */
export function firedBy(stmt: Json, verdict: Verdict, defaultSchema: string): Fired[] {
  const [kind, node] = nodeOf(stmt);
  if (!executes(kind, node)) return [];
  const rel = (n: JsonObject) => relation(obj(n.relation), defaultSchema);
  const out: Fired[] = [];
  for (const n of findNodes(stmt, "DeleteStmt")) {
    const r = rel(n);
    const where = whereOf(verdict, r, "delete");
    out.push({ ...r, event: "delete", ...(where === undefined ? {} : { where }) });
  }
  for (const n of findNodes(stmt, "UpdateStmt")) {
    const r = rel(n);
    const where = whereOf(verdict, r, "update");
    out.push({
      ...r,
      event: "update",
      columns: resNames(n.targetList),
      ...(where === undefined ? {} : { where }),
    });
  }
  for (const n of findNodes(stmt, "InsertStmt")) {
    const r = rel(n);
    out.push({ ...r, event: "insert" });
    const conflict = obj(n.onConflictClause);
    if (str(conflict.action) === "ONCONFLICT_UPDATE")
      out.push({ ...r, event: "update", columns: resNames(conflict.targetList) });
  }
  for (const n of findNodes(stmt, "MergeStmt")) {
    const r = rel(n);
    for (const c of arr(n.mergeWhenClauses)) {
      const a = obj(obj(c).MergeWhenClause);
      const cmd = str(a.commandType);
      if (cmd === "CMD_INSERT") out.push({ ...r, event: "insert" });
      if (cmd === "CMD_DELETE") out.push({ ...r, event: "delete" });
      if (cmd === "CMD_UPDATE") out.push({ ...r, event: "update", columns: resNames(a.targetList) });
    }
  }
  for (const n of findNodes(stmt, "TruncateStmt")) {
    const cascade = str(n.behavior) === "DROP_CASCADE";
    for (const r of arr(n.relations))
      out.push({ ...relation(obj(obj(r).RangeVar), defaultSchema), event: "truncate", cascade });
  }
  for (const n of findNodes(stmt, "CopyStmt")) {
    if (n.is_from === true && n.relation !== undefined) out.push({ ...rel(n), event: "insert" });
  }
  return out;
}

/**
 * DDL fires event triggers (ddl_command_start/end, sql_drop, table_rewrite); commands on shared
 * objects (databases, roles, tablespaces) and on event triggers themselves do not.
 */
export function firesEventTriggers(stmt: Json): boolean {
  const [kind, node] = nodeOf(stmt);
  if (kind === "SelectStmt") return node.intoClause !== undefined;
  if (NOT_DDL.has(kind)) return false;
  if (kind === "DropStmt") return str(node.removeType) !== "OBJECT_EVENT_TRIGGER";
  return /^(Create|Alter|Drop|Rename|Comment|Grant|SecLabel|Refresh|ImportForeignSchema|Define|Composite|Index|View|Rule)/.test(
    kind,
  );
}

const NOT_DDL = new Set([
  "CreatedbStmt",
  "DropdbStmt",
  "AlterDatabaseStmt",
  "AlterDatabaseSetStmt",
  "AlterDatabaseRefreshCollStmt",
  "CreateRoleStmt",
  "AlterRoleStmt",
  "AlterRoleSetStmt",
  "DropRoleStmt",
  "GrantRoleStmt",
  "CreateTableSpaceStmt",
  "DropTableSpaceStmt",
  "AlterTableSpaceOptionsStmt",
  "CreateEventTrigStmt",
  "AlterEventTrigStmt",
  "AlterSystemStmt",
]);
