import { closest } from "../config/suggest.js";
import type { RollbackRecord, Store } from "../store/store.js";
import { BackoutError } from "./errors.js";
import type { CheckpointRecord } from "./model.js";

/** A good checkpoint that is not the default target, and the rollback that passed it over. */
export interface PassedOver {
  checkpoint: CheckpointRecord;
  /** The succeeded rollback to an older checkpoint, finished after this one was marked good. */
  rollbackId: string;
}

export interface DefaultTarget {
  /** The default rollback target, when there is one. */
  target: CheckpointRecord | undefined;
  /** Newer good checkpoints that a later rollback passed over (newest first). */
  passedOver: PassedOver[];
}

/**
 * THE RULE (README, "Checkpoints"): the default rollback target is the newest good checkpoint
 * that no later rollback passed over. A rollback to checkpoint C that succeeded passes over every
 * good checkpoint newer than C that was marked good before it finished: that state was rolled
 * away from, so it is no longer a target to go back to by default (it stays good, and `--to`
 * still reaches it). Marking it good again after the rollback makes it a default candidate again.
 * Derived from the store at every use, so there is nothing to keep in step after a crash.
 */
export async function defaultTarget(store: Store): Promise<DefaultTarget> {
  const checkpoints = await store.listCheckpoints();
  const good = checkpoints.filter((c) => c.good);
  if (good.length === 0) return { target: undefined, passedOver: [] };
  const done = await store.listRollbacks({ states: ["succeeded"], limit: 500 });
  // When a rollback's target was made, from its checkpoint's record: the plan (which says the
  // same) is read only for a checkpoint no longer listed, so a long history costs no plan parsing.
  const createdAt = new Map(checkpoints.map((c) => [c.id, c.createdAt]));
  const targetCreatedAt = (r: RollbackRecord) => createdAt.get(r.checkpointId) ?? r.plan.checkpoint.createdAt;
  const passedOver: PassedOver[] = [];
  for (const cp of good) {
    const markedAt = cp.markedGoodAt ?? cp.createdAt;
    const by = done.find((r) => r.updatedAt >= markedAt && targetCreatedAt(r) < cp.createdAt);
    if (by === undefined) return { target: cp, passedOver };
    passedOver.push({ checkpoint: cp, rollbackId: by.id });
  }
  return { target: undefined, passedOver };
}

/**
 * CHECKPOINT_NOT_FOUND with the closest name or id as a suggestion. The hint names no option:
 * plan/run take `--to`, mark-good, unmark-good and checkpoints a bare argument, the API a path.
 */
export async function checkpointNotFound(store: Store, ref: string): Promise<BackoutError> {
  const known = await store.listCheckpoints(500);
  const names = [...new Set(known.flatMap((c) => [c.name, c.id]))];
  const suggestion = closest(ref, names);
  const mean = suggestion === undefined ? "" : `. Did you mean "${suggestion}"?`;
  return new BackoutError("CHECKPOINT_NOT_FOUND", `no checkpoint with id or name "${ref}"${mean}`, {
    hint:
      suggestion === undefined
        ? "List them with `backout checkpoints`."
        : `Use "${suggestion}", or list them with \`backout checkpoints\`.`,
    details: { ref, ...(suggestion === undefined ? {} : { suggestion }) },
  });
}
