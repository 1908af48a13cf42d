/**
 * One batch = one transaction: lock the progress row, apply the batch's changes, archive what
 * cannot be replayed, advance sequences, record the new position and counts, commit. Either all
 * of it is there after a crash, or none of it.
 */
import type { Queryable } from "../../../connection/queryable.js";
import type { CapturedChange } from "../snapshot/types.js";
import { applyCareful, applyFast, isChangeError, type ItemsOutcome } from "./apply-items.js";
import { archiveRows, type Progress, readProgress, saveProgress, type UnmappedRow } from "./ledger.js";
import { type ChangeMapper, type Disposition, REASON } from "./map-change.js";
import { tableMatcher } from "../table-matcher.js";
import { type ReplayItem, toItem } from "./runs.js";
import { tableKey } from "./target-schema.js";
import { toInteger } from "./values.js";
import { replayState } from "../../../errors.js";

export interface BatchContext {
  db: Queryable;
  archiveSchema: string;
  rollbackId: string;
  mapper: ChangeMapper;
  historyTables: string[];
  /** session_replication_role = replica: no user triggers, no FK checks, like logical replication. */
  replicaRole: boolean;
  /** Called inside the transaction, before COMMIT (tests throw from it to simulate a crash). */
  onBatch?: (info: { batch: number; lastSeq: number }) => Promise<void> | void;
  /** Called after COMMIT with each change the batch replayed, in order (for the state check). */
  onReplayed?: (change: CapturedChange, plan: Extract<Disposition, { kind: "replay" }>) => void;
}

const BATCH_SAVEPOINT = "backout_replay_batch";

interface Planned {
  change: CapturedChange;
  plan: Disposition;
}

/** Whole transactions that wrote a history table are migration writes, even if the store missed it. */
export function planBatch(
  ctx: Pick<BatchContext, "mapper" | "historyTables">,
  changes: CapturedChange[],
): Planned[] {
  const history = tableMatcher(ctx.historyTables);
  const migrationXids = new Set(changes.filter((c) => history(c.schema, c.table)).map((c) => c.xid));
  return changes.map((change) => ({
    change,
    plan: migrationXids.has(change.xid) ? { kind: "skip" } : ctx.mapper.map(change),
  }));
}

async function begin(ctx: BatchContext, expectedSeq: number): Promise<Progress> {
  await ctx.db.query("BEGIN");
  const progress = await readProgress(ctx.db, ctx.archiveSchema, ctx.rollbackId, true);
  if (progress.lastSeq !== expectedSeq) {
    throw replayState(
      `replay of rollback ${ctx.rollbackId} moved on elsewhere (at seq ${progress.lastSeq}, expected ${expectedSeq}): is another replay running?`,
    );
  }
  // One round trip for the settings and the savepoint (no parameters: a simple query may hold
  // several statements); a loaded machine pays a scheduling delay per round trip, not per row.
  // No WAL flush wait per batch: a crash then loses whole batches with their progress (replayed
  // again on resume), and replayChanges ends with a synchronous commit that flushes them all.
  // The savepoint comes after the progress row's lock: rolling back to it keeps that lock.
  await ctx.db.query(
    [
      "SET LOCAL synchronous_commit = off",
      ...(ctx.replicaRole ? ["SET LOCAL session_replication_role = replica"] : []),
      `SAVEPOINT ${BATCH_SAVEPOINT}`,
    ].join("; "),
  );
  return progress;
}

/** Advances each sequence touched to at least the largest value replayed into its column. */
async function advanceSequences(db: Queryable, items: ReplayItem[], outcome: ItemsOutcome): Promise<void> {
  const max = new Map<number, bigint>();
  for (const item of items) {
    if (outcome.failed.has(item) || outcome.missing.has(item)) continue;
    for (const [column, value] of item.plan.values) {
      const seq = item.plan.table.columns.get(column)?.sequence;
      const n = toInteger(value);
      if (seq === undefined || n === undefined) continue;
      const prev = max.get(seq);
      if (prev === undefined || n > prev) max.set(seq, n);
    }
  }
  if (max.size === 0) return;
  // setval is not transactional: if this batch rolls back, the sequence stays ahead. Harmless.
  await db.query(
    `SELECT setval(x.s::regclass, x.v) FROM unnest($1::oid[], $2::int8[]) AS x(s, v)
      WHERE x.v > coalesce(pg_sequence_last_value(x.s::regclass), 0)`,
    [[...max.keys()], [...max.values()].map(String)],
  );
}

function account(
  progress: Progress,
  planned: Planned[],
  outcome: ItemsOutcome,
  items: Map<CapturedChange, ReplayItem>,
): UnmappedRow[] {
  const stats = progress.stats;
  const rows: UnmappedRow[] = [];
  for (const { change, plan: p } of planned) {
    const name = tableKey(change.schema, change.table);
    const counts = (stats.tables[name] ??= { replayed: 0, archived: 0, skipped: 0 });
    // A migration's transaction is stored collapsed: one row standing for `count` changes.
    const n = change.count ?? 1;
    stats.read += n;
    const base = { seq: change.seq, table: name, op: change.op, keys: change.keys };
    if (p.kind === "skip") {
      counts.skipped += n;
      stats.migration += n;
      continue;
    }
    const item = items.get(change);
    const reason =
      p.kind === "archive"
        ? p.reason
        : item && outcome.missing.has(item)
          ? REASON.rowMissing
          : item && outcome.failed.get(item);
    if (reason) {
      counts.archived += 1;
      stats.archivedWhole += 1;
      rows.push({ ...base, values: change.values, reason, partial: false });
      continue;
    }
    counts.replayed += 1;
    stats.from ??= change.commitTime;
    stats.to = change.commitTime;
    if (p.kind === "replay" && p.dropped) {
      stats.partial += 1;
      rows.push({ ...base, values: p.dropped, reason: REASON.columnMissing, partial: true });
    }
  }
  return rows;
}

/** Applies `changes` (read after progress.lastSeq) in one transaction; returns the new progress. */
export async function applyBatch(
  ctx: BatchContext,
  progress: Progress,
  changes: CapturedChange[],
  batchNumber: number,
): Promise<Progress> {
  const last = changes[changes.length - 1];
  if (!last) return progress;
  const planned = planBatch(ctx, changes);
  const items = new Map<CapturedChange, ReplayItem>();
  for (const { change, plan: p } of planned) if (p.kind === "replay") items.set(change, toItem(change, p));
  const list = [...items.values()];
  const { db } = ctx;
  try {
    let current = await begin(ctx, progress.lastSeq);
    let outcome: ItemsOutcome;
    try {
      outcome = await applyFast(db, list, ctx.replicaRole);
    } catch (e) {
      if (!isChangeError(e)) throw e;
      await db.query(`ROLLBACK TO SAVEPOINT ${BATCH_SAVEPOINT}`);
      outcome = await applyCareful(db, list);
    }
    current = { lastSeq: last.seq, stats: structuredClone(current.stats) };
    const rows = account(current, planned, outcome, items);
    await archiveRows(db, ctx.archiveSchema, ctx.rollbackId, rows);
    await advanceSequences(db, list, outcome);
    await saveProgress(db, ctx.archiveSchema, ctx.rollbackId, current);
    await ctx.onBatch?.({ batch: batchNumber, lastSeq: current.lastSeq });
    await db.query("COMMIT");
    if (ctx.onReplayed) {
      const archived = new Set(rows.filter((r) => !r.partial).map((r) => r.seq));
      for (const { change, plan: p } of planned)
        if (p.kind === "replay" && !archived.has(change.seq)) ctx.onReplayed(change, p);
    }
    return current;
  } catch (e) {
    await db.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}
