/**
 * What a write sets off beyond the rows it names, looked up on the live database at plan time:
 * user triggers and rules on the tables it writes, and foreign keys whose ON DELETE / ON UPDATE
 * action (CASCADE, SET NULL, SET DEFAULT) or TRUNCATE ... CASCADE carries the change to other
 * tables, followed transitively. Any of them makes the statement opaque (gated whatever the
 * policy: the archive copies only the rows the statement names), with a reason naming the
 * trigger, rule or constraint and the table reached; the tables a cascade reaches become targets
 * whose rows are counted (the referencing rows of the rows the statement writes).
 */
import type { Queryable } from "../connection/queryable.js";
import type { Json } from "./ast.js";
import { type Fired, type RowEvent, firedBy, firesEventTriggers } from "./fired.js";
import {
  type EventTriggerHit,
  type ForeignKeyHit,
  foreignKeysTo,
  rulesOn,
  triggersOn,
  withDescendants,
} from "./reach-catalog.js";
import { qualified, quoteIdent } from "../sql/quote.js";
import type { Verdict } from "./rules.js";
import type { ScriptHooks } from "./script-hooks.js";
import type { DataTarget } from "./types.js";

/** Enough for any real schema; a longer chain is cut (and the reason still names what it found). */
const MAX_HOPS = 200;

const VERB: Record<RowEvent, string> = {
  delete: "DELETE",
  update: "UPDATE",
  insert: "INSERT",
  truncate: "TRUNCATE",
};
const ACTION: Record<string, string> = { c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

const label = (t: { schema: string; table: string }) => `${t.schema}.${t.table}`;
const cols = (c: string[]) => c.map(quoteIdent).join(", ");

/** The referencing rows of the rows `f` writes, as a condition on the referencing table. */
function referencing(fk: ForeignKeyHit, f: Fired): string {
  const parent = qualified(fk.refSchema, fk.refTable);
  const where = f.where === undefined ? "" : ` WHERE (${f.where})`;
  return `(${cols(fk.columns)}) IN (SELECT ${cols(fk.refColumns)} FROM ${parent}${where})`;
}

interface Reach {
  reasons: string[];
  targets: DataTarget[];
  next: Fired[];
}

/** What one foreign key's action does to the referencing table when `f` writes the referenced one. */
function foreignKeyAction(fk: ForeignKeyHit, f: Fired, out: Reach): void {
  const child = { schema: fk.schema, table: fk.table };
  const self = label(child) === label({ schema: fk.refSchema, table: fk.refTable });
  if (f.event === "truncate") {
    const via = `TRUNCATE ... CASCADE through foreign key ${fk.name} to ${label(f)}`;
    out.reasons.push(`${via} also empties ${label(child)}`);
    out.targets.push({ ...child, operation: "truncate", via });
    out.next.push({ ...child, event: "truncate", cascade: true });
    return;
  }
  const code = f.event === "delete" ? fk.onDelete : fk.onUpdate;
  const action = ACTION[code];
  if (action === undefined) return;
  if (f.event === "update" && f.columns !== undefined && !fk.refColumns.some((c) => f.columns?.includes(c)))
    return;
  const where = referencing(fk, f);
  const via = `ON ${VERB[f.event]} ${action} of foreign key ${fk.name} from ${label(f)}${self ? ", and on down the same table" : ""}`;
  if (f.event === "delete" && code === "c") {
    out.reasons.push(`${via} deletes the referencing rows of ${label(child)}`);
    out.targets.push({ ...child, where, operation: "delete", via });
    out.next.push({ ...child, event: "delete", where });
    return;
  }
  const what = code === "c" ? "rewrites" : `sets to ${code === "n" ? "NULL" : "its default"}`;
  out.reasons.push(`${via} ${what} ${label(child)}.(${fk.columns.join(", ")}) in the referencing rows`);
  for (const column of fk.columns) out.targets.push({ ...child, column, where, operation: "update", via });
  out.next.push({ ...child, event: "update", columns: fk.columns, where });
}

/** Triggers, rules and foreign-key actions `fired` reaches, transitively. */
export async function reachOf(db: Queryable | undefined, fired: Fired[], hooks: ScriptHooks): Promise<Reach> {
  const out: Reach = { reasons: [], targets: [], next: [] };
  const queue = [...fired];
  const seen = new Set<string>();
  for (let hops = 0; queue.length > 0 && hops < MAX_HOPS; hops++) {
    const f = queue.shift() as Fired;
    const on = `${VERB[f.event]} on ${label(f)}`;
    for (const a of hooks.addedFor(f)) out.reasons.push(`${on} fires ${a}; it may change any table`);
    const once = `${label(f)}:${f.event}`;
    const oids = db === undefined ? [] : await withDescendants(db, f.schema, f.table);
    if (db === undefined || oids.length === 0) continue;
    if (!seen.has(once)) {
      seen.add(once);
      for (const t of await triggersOn(db, oids, f.event)) {
        if (hooks.removed(t.schema, t.table, t.name, "trigger")) continue;
        out.reasons.push(
          `${on} fires trigger ${t.name} on ${label(t)} (${t.func}), which may change any table`,
        );
      }
      for (const r of await rulesOn(db, oids, f.event)) {
        if (hooks.removed(r.schema, r.table, r.name, "rule")) continue;
        const how = r.instead ? "instead of it" : "as well";
        out.reasons.push(
          `${on} is rewritten by rule ${r.name} on ${label(r)} (its actions run ${how} and may change other tables)`,
        );
      }
    }
    const follows =
      f.event === "delete" || f.event === "update" || (f.event === "truncate" && f.cascade === true);
    if (!follows || hooks.actionsOff(f.schema, f.table)) continue;
    for (const fk of await foreignKeysTo(db, oids)) {
      const key = `${fk.oid}:${f.event}`;
      if (seen.has(key) || hooks.removed(fk.schema, fk.table, fk.name, "constraint")) continue;
      seen.add(key);
      const step: Reach = { reasons: [], targets: [], next: [] };
      foreignKeyAction(fk, f, step);
      out.reasons.push(...step.reasons);
      out.targets.push(...step.targets);
      queue.push(...step.next);
    }
  }
  if (queue.length > 0) out.reasons.push(`and more: the chain of cascades was cut after ${MAX_HOPS} tables`);
  return out;
}

/**
 * The statement's verdict once what it fires is known: its row events' triggers, rules and
 * foreign-key actions, and for DDL the database's event triggers. Without `db` only what the
 * script itself added is seen. A failed look-up is itself a reason (default deny).
 */
export async function withReach(
  stmt: Json,
  verdict: Verdict,
  schema: string,
  hooks: ScriptHooks,
  db: Queryable | undefined,
  eventTriggers: () => Promise<EventTriggerHit[]>,
): Promise<Verdict> {
  try {
    const reach = await reachOf(db, firedBy(stmt, verdict, schema), hooks);
    if (db !== undefined && firesEventTriggers(stmt)) {
      for (const e of await eventTriggers()) {
        const tags = e.tags === null ? "" : ` for ${e.tags.join(", ")}`;
        reach.reasons.push(
          `DDL fires event trigger ${e.name} (${e.event}${tags}), which may change any table`,
        );
      }
    }
    return escalate(verdict, reach);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return escalate(verdict, {
      reasons: [`could not look up the triggers, rules and foreign keys it fires: ${why}`],
      targets: [],
    });
  }
}

/** The verdict, opaque with what it reaches when it reaches anything. */
function escalate(verdict: Verdict, reach: { reasons: string[]; targets: DataTarget[] }): Verdict {
  if (reach.reasons.length === 0) return verdict;
  const reasons = [...new Set(reach.reasons)];
  return {
    class: "opaque",
    reason: [verdict.reason, ...reasons].join("; "),
    targets: [...verdict.targets, ...reach.targets],
  };
}
