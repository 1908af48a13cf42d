import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import type { Holder } from "../../src/core/journal-events.js";
import type { SqliteStore } from "../../src/store/sqlite/index.js";
import type { AcquireRequest } from "../../src/store/store.js";
import { alive, createRollback, ENV, freshStore, HEARTBEAT_MS, holder, LEASE_MS } from "./helpers.js";

function req(
  rollbackId: string,
  by: Holder,
  now: number,
  isHolderGone: (h: Holder) => boolean = alive,
): AcquireRequest {
  return { environment: ENV, rollbackId, holder: by, now, leaseMs: LEASE_MS, isHolderGone };
}

describe("sqlite store: lock and queue", () => {
  let store: SqliteStore;
  let cleanup: () => Promise<void>;
  beforeEach(() => ({ store, cleanup } = freshStore()));
  afterEach(() => cleanup());

  it("a take-over raises the epoch and fences out the old process: LOCK_LOST, nothing written", async () => {
    const old = holder("old", 11);
    const fresh = holder("new", 22);
    await createRollback(store, "r1", 1000, old);
    const first = await store.acquireLock(req("r1", old, 1100));
    expect(first).toEqual({ acquired: true, epoch: 1, tookOver: false });
    expect(await store.listQueue(ENV)).toEqual([]);
    await store.appendEvent(
      "r1",
      1200,
      { type: "started", holder: old, epoch: 1, deadlineAt: 9e9 },
      {
        epoch: 1,
        token: "old",
      },
    );

    // The old process is declared gone; a resume from another process takes over.
    const gone = (h: Holder) => h.token === "old";
    expect(await store.acquireLock(req("r1", fresh, 1300, gone))).toEqual({
      acquired: true,
      epoch: 2,
      tookOver: true,
    });
    expect(await store.getLock(ENV)).toMatchObject({ rollbackId: "r1", holder: fresh, epoch: 2 });

    const before = await store.readJournal("r1");
    const err: unknown = await store
      .appendEvent("r1", 1400, { type: "step-started", stepId: "s", attempt: 1 }, { epoch: 1, token: "old" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackoutError);
    expect(err).toMatchObject({ code: "LOCK_LOST", retryable: false });
    expect((err as BackoutError).hint).toContain("another backout process took over");
    expect(await store.readJournal("r1")).toEqual(before);
    expect((await store.getRollback("r1"))?.updatedAt).toBe(1200);

    expect(await store.renewLock(ENV, { epoch: 1, token: "old" }, 1500, LEASE_MS)).toBe(false);
    expect(await store.renewLock(ENV, { epoch: 2, token: "new" }, 1500, LEASE_MS)).toBe(true);
    expect((await store.getLock(ENV))?.leaseExpiresAt).toBe(1500 + LEASE_MS);
    const ok = await store.appendEvent(
      "r1",
      1600,
      { type: "step-started", stepId: "s", attempt: 1 },
      {
        epoch: 2,
        token: "new",
      },
    );
    expect(ok.seq).toBe(3);
  });

  it("FIFO: only the head of the queue acquires; after release the next one does", async () => {
    const [h1, h2, h3] = [holder("t1"), holder("t2"), holder("t3")];
    await createRollback(store, "r1", 1000, h1);
    await createRollback(store, "r2", 1001, h2);
    await createRollback(store, "r3", 1002, h3);

    expect(await store.acquireLock(req("r3", h3, 1100))).toMatchObject({
      acquired: false,
      reason: "queued",
      position: 3,
      holderGone: false,
    });
    expect(await store.acquireLock(req("r2", h2, 1100))).toMatchObject({
      acquired: false,
      reason: "queued",
      position: 2,
    });
    expect(await store.acquireLock(req("r1", h1, 1100))).toEqual({
      acquired: true,
      epoch: 1,
      tookOver: false,
    });

    const held = await store.acquireLock(req("r2", h2, 1200));
    expect(held).toMatchObject({ acquired: false, reason: "held", position: 1, holderGone: false });
    expect(held.acquired === false && held.lock).toMatchObject({ rollbackId: "r1", holder: h1, epoch: 1 });

    await store.releaseLock(ENV, "r2"); // not r2's lock: no effect
    expect((await store.getLock(ENV))?.rollbackId).toBe("r1");
    await store.releaseLock(ENV, "r1");
    expect(await store.getLock(ENV)).toBeUndefined();

    expect(await store.acquireLock(req("r3", h3, 1300))).toMatchObject({ acquired: false, position: 2 });
    expect(await store.acquireLock(req("r2", h2, 1300))).toEqual({
      acquired: true,
      epoch: 2,
      tookOver: false,
    });
    expect((await store.listQueue(ENV)).map((e) => e.rollbackId)).toEqual(["r3"]);
  });

  it("the same holder acquiring again keeps its epoch", async () => {
    const h = holder("t1");
    await createRollback(store, "r1", 1000, h);
    expect(await store.acquireLock(req("r1", h, 1100))).toEqual({
      acquired: true,
      epoch: 1,
      tookOver: false,
    });
    expect(await store.acquireLock(req("r1", h, 1200))).toEqual({
      acquired: true,
      epoch: 1,
      tookOver: false,
    });
    // A live other process on the same rollback is refused.
    expect(await store.acquireLock(req("r1", holder("t9"), 1300))).toMatchObject({
      acquired: false,
      reason: "held",
    });
  });

  it("dead waiters are dropped: by isHolderGone and by an expired heartbeat", async () => {
    const [h1, h2, h3, h4] = [holder("t1", 1), holder("t2", 2), holder("t3", 3), holder("t4", 4)];
    await createRollback(store, "r1", 1000, h1);
    await createRollback(store, "r2", 1000, h2);
    await createRollback(store, "r3", 1000, h3);
    await createRollback(store, "r4", 1000, h4);
    await store.heartbeatQueue("r3", "t3", 5000, HEARTBEAT_MS);
    await store.heartbeatQueue("r4", "t4", 5000, HEARTBEAT_MS);
    await store.heartbeatQueue("r4", "wrong-token", 9e9, HEARTBEAT_MS); // ignored
    expect((await store.listQueue(ENV)).find((e) => e.rollbackId === "r4")?.heartbeatExpiresAt).toBe(
      5000 + HEARTBEAT_MS,
    );

    // At 1000 + HEARTBEAT_MS r1's and r2's heartbeats (never refreshed) have expired; r3's pid is dead.
    const pid3Dead = (h: Holder) => h.pid === 3;
    const result = await store.acquireLock(req("r4", h4, 1000 + HEARTBEAT_MS, pid3Dead));
    expect(result).toEqual({ acquired: true, epoch: 1, tookOver: false });
    expect(await store.listQueue(ENV)).toEqual([]);
  });

  it("the requester's own stale entry is kept: it is asking, so it is alive", async () => {
    await createRollback(store, "r1", 1000, holder("old"));
    await createRollback(store, "r2", 1000, holder("t2"));
    await store.heartbeatQueue("r2", "t2", 1000 + HEARTBEAT_MS, HEARTBEAT_MS);
    const everyOld = (h: Holder) => h.token === "old";
    const r = await store.acquireLock(req("r1", holder("resumer"), 1000 + HEARTBEAT_MS, everyOld));
    expect(r).toEqual({ acquired: true, epoch: 1, tookOver: false });
  });

  it("a parked lock blocks others and is taken over by its own rollback with epoch + 1", async () => {
    const h1 = holder("t1");
    await createRollback(store, "r1", 1000, h1);
    await createRollback(store, "r2", 1001, holder("t2"));
    await store.acquireLock(req("r1", h1, 1100));
    await store.parkLock(ENV, { epoch: 1, token: "t1" });
    expect(await store.getLock(ENV)).toEqual({
      environment: ENV,
      rollbackId: "r1",
      holder: undefined,
      epoch: 1,
      leaseExpiresAt: undefined,
    });

    // Parked never expires, and is not "gone": it waits for approval.
    const far = 1e12;
    expect(await store.acquireLock(req("r2", holder("t2"), far))).toMatchObject({
      acquired: false,
      reason: "held",
      holderGone: false,
      position: 1,
    });
    // The parking process itself is fenced out now.
    expect(await store.renewLock(ENV, { epoch: 1, token: "t1" }, far, LEASE_MS)).toBe(false);
    const approver = holder("approver");
    expect(await store.acquireLock(req("r1", approver, far))).toEqual({
      acquired: true,
      epoch: 2,
      tookOver: true,
    });
    expect(await store.getLock(ENV)).toMatchObject({
      holder: approver,
      epoch: 2,
      leaseExpiresAt: far + LEASE_MS,
    });

    const err: unknown = await store.parkLock(ENV, { epoch: 1, token: "t1" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "LOCK_LOST" });
  });

  it("an expired lease counts as gone: the same rollback takes over, others see holderGone", async () => {
    const h1 = holder("t1");
    await createRollback(store, "r1", 1000, h1);
    await createRollback(store, "r2", 1001, holder("t2"));
    await store.acquireLock(req("r1", h1, 1000));
    const expired = 1000 + LEASE_MS;

    // Another rollback never steals it: r1 must be resumed or cancelled.
    const other = await store.acquireLock(req("r2", holder("t2"), expired - 1));
    expect(other).toMatchObject({ acquired: false, reason: "held", holderGone: false });
    const afterExpiry = await store.acquireLock(req("r2", holder("t2"), expired));
    expect(afterExpiry).toMatchObject({ acquired: false, reason: "held", holderGone: true, position: 1 });

    expect(await store.acquireLock(req("r1", holder("t1b"), expired))).toEqual({
      acquired: true,
      epoch: 2,
      tookOver: true,
    });
  });

  it("a lock left by a finished rollback is free", async () => {
    const h1 = holder("t1");
    await createRollback(store, "r1", 1000, h1);
    await createRollback(store, "r2", 1001, holder("t2"));
    await store.acquireLock(req("r1", h1, 1000));
    await store.appendEvent("r1", 1100, { type: "finished", state: "cancelled" }, { epoch: 1, token: "t1" });
    // Killed before releasing: the row is left, but nobody is told it is held (status, metrics).
    expect(await store.getLock(ENV)).toBeUndefined();
    expect(await store.acquireLock(req("r2", holder("t2"), 1200))).toEqual({
      acquired: true,
      epoch: 2,
      tookOver: false,
    });
  });

  it("joinQueue appends new entries at the back and refreshes existing ones in place", async () => {
    await createRollback(store, "r1", 1000);
    await createRollback(store, "r2", 1001);
    await store.leaveQueue("r1");
    expect((await store.listQueue(ENV)).map((e) => e.rollbackId)).toEqual(["r2"]);
    await store.joinQueue(ENV, "r1", holder("again"), 2000, HEARTBEAT_MS);
    await store.joinQueue(ENV, "r2", holder("t2-new"), 2500, HEARTBEAT_MS);
    const queue = await store.listQueue(ENV);
    expect(queue.map((e) => e.rollbackId)).toEqual(["r2", "r1"]);
    expect(queue[0]).toMatchObject({
      holder: holder("t2-new"),
      enqueuedAt: 1001,
      heartbeatExpiresAt: 2500 + HEARTBEAT_MS,
    });
    expect(queue[1]).toMatchObject({ environment: ENV, enqueuedAt: 2000, holder: holder("again") });
    expect(await store.listQueue("staging")).toEqual([]);
  });

  it("environments have independent locks and queues", async () => {
    await createRollback(store, "p1", 1000, holder("a"), "prod");
    await createRollback(store, "s1", 1001, holder("b"), "staging");
    expect(await store.acquireLock({ ...req("p1", holder("a"), 1100), environment: "prod" })).toMatchObject({
      acquired: true,
    });
    expect(
      await store.acquireLock({ ...req("s1", holder("b"), 1100), environment: "staging" }),
    ).toMatchObject({
      acquired: true,
      epoch: 1,
    });
  });
});
