/**
 * Applies one batch's replayable changes inside the caller's transaction. Fast path: set-based
 * runs. Careful path (after the fast path failed and was rolled back): commit order, under
 * savepoints, narrowed down to the change the restored schema refuses (a type that no longer
 * fits, a NOT NULL column the write never set), which is archived with the error instead of
 * stopping the rollback.
 */
import type { Queryable } from "../../../connection/queryable.js";
import { pgErrorKind, sqlState } from "../../../errors.js";
import { applyOrder, type ReplayItem, type Run, toRuns } from "./runs.js";
import { runStatement } from "./statements.js";

export interface ItemsOutcome {
  /** Updates whose row was not there. */
  missing: Set<ReplayItem>;
  /** Changes the server refused (careful path only), with the reason. */
  failed: Map<ReplayItem, string>;
}

/**
 * Updates and deletes join the table with the run's keys. With a few hundred keys the planner
 * often prefers a hash join over a full scan, which grows with the table; when the keys are the
 * primary key, an index lookup per key is always the better plan, so the other joins are turned
 * off for those statements (SET LOCAL: this transaction only).
 */
async function steerPlanner(db: Queryable, run: Run, state: { indexJoin?: boolean }): Promise<void> {
  if (run.op !== "update" && run.op !== "delete") return;
  const pk = run.table.primaryKey;
  const want =
    pk.length > 0 && pk.length === run.keyColumns.length && pk.every((c) => run.keyColumns.includes(c));
  if (state.indexJoin === want) return;
  const v = want ? "off" : "on";
  await db.query(`SET LOCAL enable_hashjoin = ${v}; SET LOCAL enable_mergejoin = ${v}`);
  state.indexJoin = want;
}

export async function applyFast(
  db: Queryable,
  items: ReplayItem[],
  byTable: boolean,
  planner: { indexJoin?: boolean } = {},
): Promise<ItemsOutcome> {
  const missing = new Set<ReplayItem>();
  for (const run of toRuns(applyOrder(items, byTable))) {
    await steerPlanner(db, run, planner);
    const statement = runStatement(run);
    const result = await db.query<{ o: number }>(statement.text, statement.values);
    if (statement.returnsMatches) {
      const found = new Set(result.rows.map((r) => r.o));
      run.items.forEach((item, i) => {
        if (!found.has(i)) missing.add(item);
      });
    }
  }
  return { missing, failed: new Map() };
}

/**
 * True for an error about the data or schema (archive the change and go on); false for the
 * connection, a lock or the server (stop; a resume tries again). One classification: pg-errors.
 */
export function isChangeError(e: unknown): boolean {
  return sqlState(e) !== undefined && pgErrorKind(e) === "statement";
}

/**
 * Commit order, and the changes the server refuses archived with their reason. Halves under a
 * savepoint, down to single changes only where a refusal is: a batch with one bad change costs
 * about 2·log2(n) statements, not n, and each change still meets the state the ones before it
 * left (exact order, no regrouping), so the outcome is the one-at-a-time outcome.
 */
export async function applyCareful(db: Queryable, items: ReplayItem[]): Promise<ItemsOutcome> {
  const outcome: ItemsOutcome = { missing: new Set(), failed: new Map() };
  await applyHalves(db, items, outcome, {});
  return outcome;
}

async function applyHalves(
  db: Queryable,
  items: ReplayItem[],
  outcome: ItemsOutcome,
  planner: { indexJoin?: boolean },
): Promise<void> {
  if (items.length === 0) return;
  await db.query("SAVEPOINT backout_replay_item");
  try {
    const inner = await applyFast(db, items, false, planner);
    for (const m of inner.missing) outcome.missing.add(m);
    await db.query("RELEASE SAVEPOINT backout_replay_item");
    return;
  } catch (e) {
    if (!isChangeError(e)) throw e;
    // Released too: the halves below take their own, and nothing nests deeper than one.
    await db.query("ROLLBACK TO SAVEPOINT backout_replay_item; RELEASE SAVEPOINT backout_replay_item");
    // The rollback undid any SET LOCAL made under the savepoint.
    planner.indexJoin = undefined;
    const [item] = items;
    if (items.length === 1 && item) {
      outcome.failed.set(
        item,
        `refused by the restored database: ${sqlState(e) ?? ""} ${(e as Error).message}`,
      );
      return;
    }
  }
  const half = Math.ceil(items.length / 2);
  await applyHalves(db, items.slice(0, half), outcome, planner);
  await applyHalves(db, items.slice(half), outcome, planner);
}
