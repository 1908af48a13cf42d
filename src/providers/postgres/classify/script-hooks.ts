/**
 * Triggers, rules and foreign-key actions the down script itself adds or removes before a later
 * statement writes: the live catalog (reach.ts) does not have them yet, or still has them. An
 * added one makes the later write opaque (default deny); one the script dropped or disabled
 * earlier no longer fires and is not reported.
 */
import { type Json, type JsonObject, arr, names, nodeOf, obj, relation, str } from "./ast.js";
import type { Fired, RowEvent } from "./fired.js";

interface Added {
  what: string;
  events: RowEvent[];
  line: number;
}

// CreateTrigStmt.events bits, as pg_trigger.tgtype's.
const BITS: [RowEvent, number][] = [
  ["insert", 4],
  ["delete", 8],
  ["update", 16],
  ["truncate", 32],
];
const RULE_EVENTS: Record<string, RowEvent> = {
  CMD_DELETE: "delete",
  CMD_UPDATE: "update",
  CMD_INSERT: "insert",
};
const ACTIONS = new Set(["c", "n", "d"]);
const ALL: RowEvent[] = ["insert", "update", "delete", "truncate"];

const key = (schema: string, table: string) => `${schema}.${table}`;

export class ScriptHooks {
  private readonly added = new Map<string, Added[]>();
  private readonly dropped = new Set<string>();
  /** Tables whose triggers the script disabled: "user" (DISABLE TRIGGER USER) or "all" (also foreign-key actions). */
  private readonly disabled = new Map<string, "user" | "all">();

  private add(table: string, a: Added): void {
    this.added.set(table, [...(this.added.get(table) ?? []), a]);
  }

  /** Records what `stmt` (at `line`) adds, drops, enables or disables. */
  note(stmt: Json, line: number, schema: string): void {
    const [kind, node] = nodeOf(stmt);
    if (kind === "CreateTrigStmt") {
      const t = relation(obj(node.relation), schema);
      const bits = typeof node.events === "number" ? node.events : 0;
      const events = BITS.filter(([, b]) => (bits & b) !== 0).map(([e]) => e);
      this.add(key(t.schema, t.table), { what: `trigger ${str(node.trigname) ?? ""}`, events, line });
    } else if (kind === "RuleStmt") {
      const t = relation(obj(node.relation), schema);
      const event = RULE_EVENTS[str(node.event) ?? ""];
      if (event !== undefined)
        this.add(key(t.schema, t.table), { what: `rule ${str(node.rulename) ?? ""}`, events: [event], line });
    } else if (kind === "DropStmt") {
      const type = str(node.removeType);
      if (type !== "OBJECT_TRIGGER" && type !== "OBJECT_RULE") return;
      for (const o of arr(node.objects)) {
        const parts = names(obj(obj(o).List).items);
        const [name, table, s] = [parts.at(-1), parts.at(-2), parts.length > 2 ? parts.at(-3) : schema];
        if (name !== undefined && table !== undefined) this.dropped.add(`${key(s ?? schema, table)}.${name}`);
      }
    } else if (kind === "AlterTableStmt" && str(node.objtype) === "OBJECT_TABLE") {
      const t = relation(obj(node.relation), schema);
      for (const c of arr(node.cmds)) this.alter(t, obj(obj(c).AlterTableCmd), line, schema);
    }
  }

  private alter(t: { schema: string; table: string }, cmd: JsonObject, line: number, schema: string): void {
    const table = key(t.schema, t.table);
    const subtype = str(cmd.subtype) ?? "";
    const name = str(cmd.name) ?? "";
    if (subtype === "AT_DropConstraint" || subtype === "AT_DisableTrig" || subtype === "AT_DisableRule")
      this.dropped.add(`${table}.${name}`);
    else if (subtype === "AT_DisableTrigAll") this.disabled.set(table, "all");
    else if (subtype === "AT_DisableTrigUser" && this.disabled.get(table) !== "all")
      this.disabled.set(table, "user");
    else if (/^AT_Enable(Always|Replica)?(Trig|Rule)/.test(subtype)) {
      this.disabled.delete(table);
      this.add(table, {
        what: `${subtype.includes("Rule") ? "rule" : "trigger"} ${name || "(all)"} enabled`,
        events: ALL,
        line,
      });
    } else if (subtype === "AT_AddConstraint") {
      const c = obj(obj(cmd.def).Constraint);
      if (str(c.contype) !== "CONSTR_FOREIGN") return;
      const events: RowEvent[] = [];
      if (ACTIONS.has(str(c.fk_del_action) ?? "")) events.push("delete");
      if (ACTIONS.has(str(c.fk_upd_action) ?? "")) events.push("update");
      const pk = relation(obj(c.pktable), schema);
      if (events.length > 0)
        this.add(key(pk.schema, pk.table), {
          what: `foreign key ${str(c.conname) ?? ""} of ${table} with an ON ${events.join("/").toUpperCase()} action`,
          events,
          line,
        });
    }
  }

  /** What this script added earlier that `f` fires: "trigger audit (line 3)". */
  addedFor(f: Fired): string[] {
    return (this.added.get(key(f.schema, f.table)) ?? [])
      .filter((a) => a.events.includes(f.event))
      .map((a) => `${a.what}, added at line ${a.line} of this script`);
  }

  /** Whether the script dropped (or disabled) the trigger, rule or constraint `name` on the table before. */
  removed(schema: string, table: string, name: string, kind: "trigger" | "rule" | "constraint"): boolean {
    if (this.dropped.has(`${key(schema, table)}.${name}`)) return true;
    return kind === "trigger" && this.disabled.has(key(schema, table));
  }

  /** DISABLE TRIGGER ALL on a referenced table also turns off its foreign keys' actions. */
  actionsOff(schema: string, table: string): boolean {
    return this.disabled.get(key(schema, table)) === "all";
  }
}
