import { describe, expect, it } from "vitest";
import { checkpointNotFound, defaultTarget } from "../../src/core/checkpoint-targets.js";
import type { CheckpointRecord, Plan } from "../../src/core/model.js";
import type { RollbackRecord, Store } from "../../src/store/store.js";

function cp(id: string, createdAt: number, markedGoodAt?: number): CheckpointRecord {
  return {
    id,
    name: id,
    environment: "prod",
    createdAt,
    good: markedGoodAt !== undefined,
    markedGoodAt,
    components: {},
  };
}

/** A succeeded rollback to `checkpointId`; its plan says the checkpoint was made at `planSays`. */
function rollback(id: string, checkpointId: string, updatedAt: number, planSays?: number): RollbackRecord {
  return {
    id,
    environment: "prod",
    checkpointId,
    planHash: "h",
    get plan(): Plan {
      if (planSays === undefined) throw new Error(`the plan of ${id} was read`);
      return { checkpoint: { id: checkpointId, name: checkpointId, createdAt: planSays } } as Plan;
    },
    state: "succeeded",
    createdAt: updatedAt - 1,
    updatedAt,
  };
}

function store(checkpoints: CheckpointRecord[], rollbacks: RollbackRecord[]): Store {
  return {
    listCheckpoints: () => Promise.resolve(checkpoints),
    listRollbacks: () => Promise.resolve(rollbacks),
  } as unknown as Store;
}

describe("defaultTarget", () => {
  // Status asks for the default target every time: it must not parse the plans of the history.
  it("judges a rollback by its checkpoint's record, without reading its plan", async () => {
    const older = cp("older", 100, 150);
    const newer = cp("newer", 200, 250);
    const history = [rollback("r2", "older", 300), rollback("r1", "newer", 260)];
    const d = await defaultTarget(store([newer, older], history));
    expect(d.target?.id).toBe("older");
    expect(d.passedOver).toEqual([{ checkpoint: newer, rollbackId: "r2" }]);
  });

  it("reads the plan when the rollback's checkpoint is no longer listed", async () => {
    const newer = cp("newer", 200, 250);
    const passedOver = await defaultTarget(store([newer], [rollback("r1", "gone", 300, 50)]));
    expect(passedOver.target).toBeUndefined();
    const kept = await defaultTarget(store([newer], [rollback("r1", "gone", 300, 260)]));
    expect(kept.target?.id).toBe("newer");
  });
});

describe("checkpointNotFound", () => {
  it("suggests the closest name without an option only plan and run have", async () => {
    const e = await checkpointNotFound(store([cp("before-v2", 1, 1)], []), "befor-v2");
    expect(e.code).toBe("CHECKPOINT_NOT_FOUND");
    expect(e.message).toContain('Did you mean "before-v2"?');
    // mark-good, unmark-good, checkpoints and the API take no --to; the hint fits them all.
    expect(e.hint).toBe('Use "before-v2", or list them with `backout checkpoints`.');
  });
});
