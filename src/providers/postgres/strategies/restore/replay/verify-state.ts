/**
 * The "nothing lost" invariant checked against the data, not only by counting: folds every
 * replayed change (in commit order) into the state each row must end in — present with the
 * last values written to it, or gone — and compares that with the restored tables. Changes the
 * archive holds whole are left out: they are accounted for there. Compared when replay ends,
 * before the restored database takes application writes, so any difference is replay's.
 */
import type { Queryable } from "../../../connection/queryable.js";
import { qualified, quoteIdent } from "../../../sql/quote.js";
import type { CaptureStore, CapturedChange } from "../snapshot/types.js";
import { type BatchContext, planBatch } from "./batch.js";
import { UNMAPPED_TABLE } from "./ledger.js";
import type { Disposition } from "./map-change.js";
import { tableKey, type TargetTable } from "./target-schema.js";
import { toJson, toText } from "./values.js";

export interface StateCheck {
  /** Rows found with every value replay wrote to them. */
  present: number;
  /** Rows found gone, as their last change (delete, truncate, key update) left them. */
  absent: number;
  /** Tables without a primary key: their rows cannot be found by key, so are not checked. */
  unchecked: number;
  /** The first differences found ("public.users id=7: missing"), at most MAX_REPORTED. */
  differences: string[];
  differenceCount: number;
  /** How long folding and comparing took. */
  ms: number;
}

const MAX_REPORTED = 5;
const READ_BATCH = 10_000;
const QUERY_BATCH = 5_000;

interface Expected {
  key: unknown[];
  /** undefined: the row must not exist. */
  values: Map<string, unknown> | undefined;
}

interface TableState {
  table: TargetTable;
  rows: Map<string, Expected>;
}

type Replayed = Extract<Disposition, { kind: "replay" }>;

/**
 * The state replay must leave, folded from the changes it replayed (fed as each batch commits,
 * so the store is not read twice), then compared with the restored tables.
 */
export class ReplayedState {
  private readonly tables = new Map<string, TableState>();
  private unchecked = 0;
  private foldMs = 0;
  /** A truncate was folded: it empties rows only a fold from the first change knows. */
  sawTruncate = false;

  add(change: CapturedChange, plan: Replayed): void {
    const t = performance.now();
    const pk = plan.table.primaryKey;
    if (change.op === "truncate") this.sawTruncate = true;
    if (pk.length === 0) {
      this.unchecked += 1;
    } else {
      const id = tableKey(plan.table.schema, plan.table.name);
      let state = this.tables.get(id);
      if (!state) this.tables.set(id, (state = { table: plan.table, rows: new Map() }));
      fold(state, change.op, plan.keys, plan.values, pk);
    }
    this.foldMs += performance.now() - t;
  }

  /**
   * Folds what an earlier run replayed (changes after `fromSeq` up to `lastSeq`), planned as
   * replay planned them; changes the archive holds whole were not replayed.
   */
  async addEarlier(
    db: Queryable,
    store: CaptureStore,
    lastSeq: number,
    ctx: Pick<BatchContext, "mapper" | "historyTables" | "archiveSchema" | "rollbackId">,
    fromSeq = 0,
  ): Promise<void> {
    const archived = await archivedSeqs(db, ctx.archiveSchema, ctx.rollbackId);
    for (let after = fromSeq; after < lastSeq;) {
      const changes = store.read(after, Math.min(READ_BATCH, lastSeq - after));
      if (changes.length === 0) break;
      after = changes.at(-1)?.seq ?? lastSeq;
      for (const { change, plan } of planBatch(ctx, changes))
        if (plan.kind === "replay" && !archived.has(change.seq)) this.add(change, plan);
    }
  }

  async compare(db: Queryable): Promise<StateCheck> {
    const started = performance.now();
    const result: StateCheck = {
      present: 0,
      absent: 0,
      unchecked: this.unchecked,
      differences: [],
      differenceCount: 0,
      ms: 0,
    };
    for (const state of this.tables.values()) await compare(db, state, result);
    return { ...result, ms: Math.round(this.foldMs + performance.now() - started) };
  }
}

function fold(
  state: TableState,
  op: string,
  keys: [string, unknown][],
  values: [string, unknown][],
  pk: string[],
): void {
  const pick = (pairs: [string, unknown][]): unknown[] | undefined => {
    const m = new Map(pairs);
    return pk.every((c) => m.has(c)) ? pk.map((c) => m.get(c)) : undefined;
  };
  if (op === "truncate") {
    for (const row of state.rows.values()) row.values = undefined;
    return;
  }
  const oldKey = pick(keys);
  if (op === "delete") {
    if (oldKey) state.rows.set(toJson(oldKey), { key: oldKey, values: undefined });
    return;
  }
  const newKey = pick(values) ?? oldKey;
  if (!newKey) return;
  const id = toJson(newKey);
  // An update without every column (unchanged TOAST values are not sent) keeps what was known.
  const before = op === "update" ? state.rows.get(toJson(oldKey ?? newKey))?.values : undefined;
  if (oldKey && toJson(oldKey) !== id) state.rows.set(toJson(oldKey), { key: oldKey, values: undefined });
  state.rows.set(id, { key: newKey, values: new Map([...(before ?? []), ...values]) });
}

/**
 * Two checks of disjoint stretches of one replay, as one: an earlier pass checked its rows, a
 * later one the rows it wrote (nothing else writes the restored copy in between).
 */
export function mergeChecks(earlier: StateCheck | undefined, later: StateCheck): StateCheck {
  if (earlier === undefined) return later;
  return {
    present: earlier.present + later.present,
    absent: earlier.absent + later.absent,
    unchecked: earlier.unchecked + later.unchecked,
    differences: [...earlier.differences, ...later.differences].slice(0, MAX_REPORTED),
    differenceCount: earlier.differenceCount + later.differenceCount,
    ms: earlier.ms + later.ms,
  };
}

async function compare(db: Queryable, state: TableState, result: StateCheck): Promise<void> {
  const { table } = state;
  const rows = [...state.rows.values()];
  const columns = [...table.columns.keys()].filter((c) => rows.some((r) => r.values?.has(c)));
  for (let i = 0; i < rows.length; i += QUERY_BATCH) {
    const chunk = rows.slice(i, i + QUERY_BATCH);
    const params: unknown[] = [];
    const arg = (values: unknown[], type: string): string => {
      params.push(values);
      return `$${params.length}::${type}[]`;
    };
    const args = [
      arg(
        chunk.map((_, n) => n),
        "int4",
      ),
    ];
    const aliases = ["o"];
    table.primaryKey.forEach((c, k) => {
      args.push(
        arg(
          chunk.map((r) => toText(r.key[k])),
          "text",
        ),
      );
      aliases.push(`k${k}`);
    });
    const checks = columns.map((c, k) => {
      const type = table.columns.get(c)?.type ?? "text";
      args.push(
        arg(
          chunk.map((r) => (r.values?.has(c) ? toText(r.values.get(c)) : null)),
          "text",
        ),
      );
      args.push(
        arg(
          chunk.map((r) => r.values?.has(c) === true),
          "bool",
        ),
      );
      aliases.push(`v${k}`, `s${k}`);
      // Compared as the type's text output (every type has one, not every type has "="); json
      // keeps its input text verbatim, so it is compared as jsonb.
      const as = type === "json" ? "::jsonb" : "";
      return `(NOT v.s${k} OR t.${quoteIdent(c)}${as}::text IS NOT DISTINCT FROM (v.v${k}::${type})${as}::text)`;
    });
    const join = table.primaryKey
      .map((c, k) => `t.${quoteIdent(c)} = v.k${k}::${table.columns.get(c)?.type ?? "text"}`)
      .join(" AND ");
    const sql =
      `SELECT v.o, t.${quoteIdent(table.primaryKey[0] ?? "")} IS NOT NULL AS found,` +
      ` ${checks.length > 0 ? checks.join(" AND ") : "true"} AS same` +
      ` FROM unnest(${args.join(", ")}) AS v(${aliases.join(", ")})` +
      ` LEFT JOIN ${qualified(table.schema, table.name)} AS t ON ${join}`;
    const { rows: found } = await db.query<{ o: number; found: boolean; same: boolean }>(sql, params);
    for (const f of found) {
      const expected = chunk[f.o];
      if (!expected) continue;
      const wanted = expected.values !== undefined;
      const problem = wanted
        ? !f.found
          ? "missing"
          : f.same
            ? undefined
            : "values differ"
        : f.found
          ? "still there"
          : undefined;
      if (problem === undefined) {
        if (wanted) result.present += 1;
        else result.absent += 1;
        continue;
      }
      result.differenceCount += 1;
      if (result.differences.length < MAX_REPORTED) {
        const key = table.primaryKey.map((c, k) => `${c}=${String(toText(expected.key[k]))}`).join(",");
        result.differences.push(`${table.schema}.${table.name} ${key}: ${problem}`);
      }
    }
  }
}

async function archivedSeqs(db: Queryable, schema: string, rollbackId: string): Promise<Set<number>> {
  const { rows } = await db.query<{ seq: string }>(
    `SELECT seq FROM ${qualified(schema, UNMAPPED_TABLE)} WHERE rollback_id = $1 AND NOT partial`,
    [rollbackId],
  );
  return new Set(rows.map((r) => Number(r.seq)));
}
