/**
 * Replay: put every user write captured since the checkpoint back onto the restored database,
 * in commit order, mapped onto its schema. What cannot be put back goes to the archive with its
 * keys. Resumable: progress is committed with each batch, so calling again after a crash
 * continues where the last committed batch ended and reaches the same end state.
 */
import type { Queryable } from "../../../connection/queryable.js";
import { safePoint } from "../copy/runtime.js";
import type { CaptureStore, ReplaySummary } from "../snapshot/types.js";
import { applyBatch, type BatchContext } from "./batch.js";
import {
  countArchived,
  ensureLedger,
  type Progress,
  type ReplayStats,
  saveProgress,
  startProgress,
} from "./ledger.js";
import { changeMapper } from "./map-change.js";
import { canUseReplicaRole, readTargetSchema } from "./target-schema.js";
import { mergeChecks, ReplayedState } from "./verify-state.js";

export interface ReplayOptions {
  rollbackId: string;
  archiveSchema: string;
  /** Tables ("schema.table" or "table") not replayed: their writes go to the archive. */
  exclude: string[];
  /** ISO time: writes committed after it go to the archive instead. */
  until?: string;
  /** The migration tool's history table(s) ("schema.table" or "table"). */
  historyTables: string[];
  /** Changes per transaction (default 5000: fewer round trips; a crash repeats at most one batch). */
  batchSize?: number;
  /** Stop (as if interrupted) after this many batches: the summary then says replay is incomplete. */
  stopAfterBatches?: number;
  /** Called in each batch's transaction before COMMIT; throwing rolls the batch back. */
  onBatch?: BatchContext["onBatch"];
  /** The step's signal: checked between batches (each batch commits whole, with its progress). */
  signal?: AbortSignal;
}

export const DEFAULT_BATCH_SIZE = 5000;

/**
 * `db` must be one connection (a pg Client or a checked-out PoolClient): batches are
 * transactions. The store is only read.
 */
export async function replayChanges(
  db: Queryable,
  store: CaptureStore,
  opts: ReplayOptions,
): Promise<ReplaySummary> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  await ensureLedger(db, opts.archiveSchema);
  let progress: Progress = await startProgress(db, opts.archiveSchema, opts.rollbackId);
  const replayedBefore = replayedCount(progress.stats);
  const target = await readTargetSchema(db, opts.archiveSchema);
  const state = new ReplayedState();
  const ctx: BatchContext = {
    db,
    archiveSchema: opts.archiveSchema,
    rollbackId: opts.rollbackId,
    mapper: changeMapper(target, {
      exclude: opts.exclude,
      until: opts.until,
      historyTables: opts.historyTables,
    }),
    historyTables: opts.historyTables,
    replicaRole: await canUseReplicaRole(db),
    onBatch: opts.onBatch,
    onReplayed: (change, plan) => state.add(change, plan),
  };
  // What earlier calls replayed but did not check (a replay resumed after a crash) counts in
  // the state check too; what an earlier pass checked is not checked again (incremental: a
  // pass under the block checks only the rows it wrote). Folded only when there is something to check.
  const startSeq = progress.lastSeq;
  const checkedSeq = Math.min(progress.stats.checkedSeq ?? 0, startSeq);
  let foldedEarlier = startSeq === checkedSeq;
  const foldEarlier = async (): Promise<void> => {
    if (!foldedEarlier) await state.addEarlier(db, store, startSeq, ctx, checkedSeq);
    foldedEarlier = true;
  };
  let batches = 0;
  for (;;) {
    if (opts.stopAfterBatches !== undefined && batches >= opts.stopAfterBatches) {
      const stopped = `stopped after ${batches} batches (resume to finish)`;
      const summary = await summarize(db, store, opts, progress.stats, stopped);
      return { ...summary, passReplayed: replayedCount(progress.stats) - replayedBefore };
    }
    if (opts.signal) safePoint({ signal: opts.signal }, undefined, `replay batch ${batches + 1}`);
    const changes = store.read(progress.lastSeq, batchSize);
    if (changes.length === 0) break;
    await foldEarlier();
    batches += 1;
    progress = await applyBatch(ctx, progress, changes, batches);
  }
  // Synchronous (the session default): flushes the WAL of every batch committed before it.
  let checkedMs: number | undefined;
  if (batches > 0 || !progress.stats.done) {
    await foldEarlier();
    // Replay just finished, before the restored database takes application writes: the one
    // moment the tables can be compared with what replay wrote to them.
    let earlier = checkedSeq > 0 ? progress.stats.state : undefined;
    let check = state;
    if (state.sawTruncate && checkedSeq > 0) {
      // A truncate empties rows earlier passes wrote: check everything from the first change.
      check = new ReplayedState();
      await check.addEarlier(db, store, progress.lastSeq, ctx);
      earlier = undefined;
    }
    const checked = mergeChecks(earlier, await check.compare(db));
    checkedMs = checked.ms - (earlier?.ms ?? 0);
    const archived = await countArchived(
      db,
      opts.archiveSchema,
      opts.rollbackId,
      progress.stats.archiveCounted,
    );
    progress = {
      ...progress,
      stats: {
        ...progress.stats,
        done: true,
        state: checked,
        checkedSeq: progress.lastSeq,
        archiveCounted: { ...archived, seq: progress.lastSeq },
      },
    };
    await saveProgress(db, opts.archiveSchema, opts.rollbackId, progress);
  }
  const summary = await summarize(db, store, opts, progress.stats, undefined);
  const passReplayed = replayedCount(progress.stats) - replayedBefore;
  return checkedMs === undefined ? { ...summary, passReplayed } : { ...summary, checkedMs, passReplayed };
}

/** Rows replayed so far, by every call of this rollback (the stats are cumulative). */
function replayedCount(stats: ReplayStats): number {
  return Object.values(stats.tables).reduce((n, c) => n + c.replayed, 0);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The invariant, checked by counting: every change in the store was read exactly once and is
 * either replayed, archived (and its archive row is there), or a migration write.
 */
async function summarize(
  db: Queryable,
  store: CaptureStore,
  opts: ReplayOptions,
  stats: ReplayStats,
  incomplete: string | undefined,
): Promise<ReplaySummary> {
  const stored = store.count();
  const archived = await countArchived(db, opts.archiveSchema, opts.rollbackId, stats.archiveCounted);
  const totals = Object.values(stats.tables).reduce(
    (t, c) => ({
      replayed: t.replayed + c.replayed,
      archived: t.archived + c.archived,
      skipped: t.skipped + c.skipped,
    }),
    { replayed: 0, archived: 0, skipped: 0 },
  );
  const problems: string[] = [];
  if (incomplete) problems.push(incomplete);
  if (stats.read !== stored) problems.push(`${stats.read} of ${stored} stored changes read`);
  if (totals.replayed + totals.archived + totals.skipped !== stats.read) {
    problems.push("per-table counts do not add up to the changes read");
  }
  if (archived.whole !== stats.archivedWhole) {
    problems.push(`archive holds ${archived.whole} changes, ${stats.archivedWhole} expected`);
  }
  if (archived.partial !== stats.partial) {
    problems.push(`archive holds dropped columns of ${archived.partial} changes, ${stats.partial} expected`);
  }
  const state = stats.state;
  if (state === undefined && !incomplete)
    problems.push("the restored tables were not compared with the replay");
  if (state !== undefined && state.differenceCount > 0) {
    problems.push(
      `${plural(state.differenceCount, "row")} in the restored tables differ from what replay wrote (${state.differences.join("; ")})`,
    );
  }
  const checked =
    state === undefined
      ? ""
      : `; checked against the tables: ${plural(state.present, "row")} present with the values written, ${state.absent} gone as their last change left them` +
        (state.unchecked > 0
          ? `, ${plural(state.unchecked, "change")} to tables without a primary key not checked`
          : "") +
        ` (${state.ms} ms)`;
  const line =
    `${plural(stored, "change")} captured since the checkpoint: ${totals.replayed} replayed` +
    ` (${stats.partial} with columns archived), ${totals.archived} archived, ` +
    `${stats.migration} migration writes skipped`;
  return {
    window: { from: stats.from, to: stats.to },
    tables: stats.tables,
    migrationChangesSkipped: stats.migration,
    invariantHolds: problems.length === 0,
    invariantDetail:
      problems.length === 0
        ? `${line}; every write is in the live database or in ${opts.archiveSchema}.replay_unmapped${checked}`
        : `${line}; NOT verified: ${problems.join("; ")}`,
  };
}
