import Database from "better-sqlite3";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import type { SqliteStore } from "../../src/store/sqlite/index.js";
import { ROLLBACK_LISTING } from "../../src/store/sqlite/sqlite-store.js";
import { createRollback, freshStore, holder } from "./helpers.js";

describe("sqlite store: rollbacks and journal", () => {
  let store: SqliteStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(() => ({ store, dir, cleanup } = freshStore()));
  afterEach(() => cleanup());

  it("createRollback writes the rollback, journal seq 1 and a queue entry together", async () => {
    const created = await createRollback(store, "r1", 1000);
    expect(created).toMatchObject({ id: "r1", state: "queued", createdAt: 1000, updatedAt: 1000 });
    expect(await store.getRollback("r1")).toEqual(created);
    const journal = await store.readJournal("r1");
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ rollbackId: "r1", seq: 1, at: 1000, event: { type: "queued" } });
    expect((await store.listQueue("prod")).map((e) => e.rollbackId)).toEqual(["r1"]);
  });

  it("listings read the covering index, not the rows that carry the plans", () => {
    const db = new Database(join(dir, "backout.db"), { readonly: true });
    try {
      const plan = db
        .prepare<{ states: string | null; limit: number }, { detail: string }>(
          `EXPLAIN QUERY PLAN ${ROLLBACK_LISTING}`,
        )
        .all({ states: JSON.stringify(["succeeded"]), limit: 500 })
        .map((r) => r.detail);
      expect(plan).toContain("SCAN rollbacks USING COVERING INDEX rollbacks_listing");
    } finally {
      db.close();
    }
  });

  it("a listed rollback reads its plan when asked, not with the listing", async () => {
    const created = await createRollback(store, "r1", 1000);
    const [listed] = await store.listRollbacks();
    expect(listed).toMatchObject({ id: "r1", planHash: created.planHash, state: "queued" });
    expect(listed?.plan).toEqual(created.plan);
  });

  it("appends with gap-free seqs and folds the state into the rollback row", async () => {
    await createRollback(store, "r1", 1000);
    const h = holder("t1");
    const started = await store.appendEvent("r1", 2000, {
      type: "started",
      holder: h,
      epoch: 1,
      deadlineAt: 9000,
    });
    expect(started.seq).toBe(2);
    expect(await store.getRollback("r1")).toMatchObject({ state: "running", updatedAt: 2000 });

    await store.appendEvent("r1", 2100, { type: "step-started", stepId: "api#1:switch", attempt: 1 });
    // A step event does not rewrite the rollback row: updatedAt is the time of the last state change.
    expect(await store.getRollback("r1")).toMatchObject({ state: "running", updatedAt: 2000 });
    await store.appendEvent("r1", 2200, { type: "gate-waiting", planHash: "h", steps: ["db#1:down"] });
    expect((await store.getRollback("r1"))?.state).toBe("awaiting-confirmation");
    await store.appendEvent("r1", 2300, { type: "gate-approved", planHash: "h", by: "bob", via: "approve" });
    expect((await store.getRollback("r1"))?.state).toBe("running");
    const last = await store.appendEvent("r1", 2400, { type: "finished", state: "succeeded" });
    expect(last).toEqual({
      rollbackId: "r1",
      seq: 6,
      at: 2400,
      event: { type: "finished", state: "succeeded" },
    });
    expect((await store.getRollback("r1"))?.state).toBe("succeeded");

    const journal = await store.readJournal("r1");
    expect(journal.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(journal.map((e) => e.event.type)).toEqual([
      "queued",
      "started",
      "step-started",
      "gate-waiting",
      "gate-approved",
      "finished",
    ]);
    expect(journal[1]?.event).toEqual({ type: "started", holder: h, epoch: 1, deadlineAt: 9000 });
  });

  it("seqs are per rollback", async () => {
    await createRollback(store, "r1", 1000);
    await createRollback(store, "r2", 1001);
    await store.appendEvent("r1", 1100, { type: "deadline-passed", deadlineAt: 1 });
    const e = await store.appendEvent("r2", 1200, { type: "deadline-passed", deadlineAt: 1 });
    expect(e.seq).toBe(2);
  });

  it("refuses to append to an unknown rollback", async () => {
    const err: unknown = await store
      .appendEvent("ghost", 1, { type: "emergency-finished" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackoutError);
    expect((err as BackoutError).code).toBe("ROLLBACK_NOT_FOUND");
  });

  it("lists rollbacks newest first, filtered by state and limited", async () => {
    await createRollback(store, "r1", 1000);
    await createRollback(store, "r2", 3000);
    await createRollback(store, "r3", 2000);
    await store.appendEvent("r2", 4000, { type: "finished", state: "failed" });
    expect((await store.listRollbacks()).map((r) => r.id)).toEqual(["r2", "r3", "r1"]);
    expect((await store.listRollbacks({ limit: 1 })).map((r) => r.id)).toEqual(["r2"]);
    expect((await store.listRollbacks({ states: ["queued"] })).map((r) => r.id)).toEqual(["r3", "r1"]);
    expect((await store.listRollbacks({ states: ["failed", "succeeded"] })).map((r) => r.id)).toEqual(["r2"]);
    expect(await store.listRollbacks({ states: [] })).toEqual([]);
  });

  it("turns SQLite failures into STORE_FAILED naming the file", async () => {
    await createRollback(store, "r1", 1000);
    const err: unknown = await createRollback(store, "r1", 1000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackoutError);
    expect(err).toMatchObject({ code: "STORE_FAILED", retryable: false });
    expect((err as BackoutError).hint).toContain(store.file);
  });
});
