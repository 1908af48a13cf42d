/**
 * Circuit breaker 1: one rollback at a time per environment. Several engines (distinct
 * holders, each with its own connection to the same store) share it: --no-wait refuses
 * with LOCK_BUSY, waiting rollbacks run afterwards in FIFO order.
 */
import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/core/engine.js";
import { cancelRollback, resumeRollback, runRollback, type RunOutcome } from "../../src/core/rollbacks.js";
import { eventsOf, Sandbox, stepOf, until, untilEvent } from "./helpers.js";

let sb: Sandbox;
let release: string;

beforeEach(async () => {
  sb = new Sandbox();
  release = sb.path("release-first");
  // gate blocks in its apply until the release file exists; tail runs after it.
  sb.writeConfig({
    policies: { retry: { maxAttempts: 1, initialInterval: "10ms" } },
    components: {
      tail: sb.commandComponent("tail"),
      gate: sb.commandComponent("gate", { dependsOn: ["tail"], waitFor: release }),
    },
  });
  await sb.engine().checkpoint({ name: "before-v2", good: true });
  sb.deploy("v2", "tail", "gate");
});
afterEach(async () => {
  fs.writeFileSync(release, "");
  await sb.cleanup();
});

interface Started {
  engine: Engine;
  run: Promise<RunOutcome>;
  id: () => string | undefined;
  positions: number[];
}

function start(wait = true): Started {
  const engine = sb.engine();
  let id: string | undefined;
  const positions: number[] = [];
  const run = runRollback(
    engine,
    {},
    { wait, onCreated: (rid) => (id = rid), onWaiting: ({ position }) => positions.push(position) },
  );
  run.catch(() => undefined);
  return { engine, run, id: () => id, positions };
}

/** The first rollback, blocked inside gate's apply. */
async function startBlocking(): Promise<Started> {
  const first = start();
  await untilEvent(first.engine, first.id, "step-started", stepOf("gate"));
  return first;
}

/** Rollback ids in the order their gate step was applied. */
function applyOrder(): (string | null)[] {
  return sb.applications("gate").map((a) => a.rollback);
}

describe("one rollback at a time", () => {
  it("refuses a second rollback with wait:false (LOCK_BUSY) and withdraws it", async () => {
    const first = await startBlocking();
    const firstId = first.id() as string;
    const second = start(false);
    expect(second.engine.holder.token).not.toBe(first.engine.holder.token);
    await expect(second.run).rejects.toMatchObject({ code: "LOCK_BUSY" });
    const secondId = second.id() as string;
    expect(secondId).toBeDefined();
    expect(secondId).not.toBe(firstId);
    expect((await second.engine.store.getRollback(secondId))?.state).toBe("cancelled");
    const journal = await second.engine.store.readJournal(secondId);
    expect(journal.map((e) => e.event.type)).toEqual(["queued", "finished"]);
    expect(await second.engine.store.listQueue("prod")).toEqual([]);
    // The first still holds the lock and is unaffected.
    const lock = await second.engine.store.getLock("prod");
    expect(lock?.rollbackId).toBe(firstId);
    expect(lock?.holder?.token).toBe(first.engine.holder.token);

    fs.writeFileSync(release, "");
    expect((await first.run).state).toBe("succeeded");
    expect(applyOrder()).toEqual([firstId]);
  });

  // One process (a `backout serve`) runs several rollbacks; the lock holds its own token for
  // all of them, so only the engine's own record tells a running rollback from a paused one.
  it("refuses resume and cancel of a rollback this same process is running (same holder)", async () => {
    const first = await startBlocking();
    const id = first.id() as string;
    const sameProcess = sb.engine({ holder: first.engine.holder });
    for (const attempt of [
      () => resumeRollback(sameProcess, id, { wait: false }),
      () => resumeRollback(first.engine, id),
      () => cancelRollback(sameProcess, id, "tester"),
    ]) {
      await expect(attempt()).rejects.toMatchObject({
        code: "LOCK_BUSY",
        message: `rollback ${id} is being run by this process`,
      });
    }
    const journal = await first.engine.store.readJournal(id);
    expect(eventsOf(journal, "resumed")).toEqual([]);
    expect(eventsOf(journal, "finished")).toEqual([]);
    fs.writeFileSync(release, "");
    expect((await first.run).state).toBe("succeeded");
    expect(applyOrder()).toEqual([id]);
    // Once it has ended here, the guard is gone: resume answers about the rollback itself.
    await expect(resumeRollback(sameProcess, id)).rejects.toMatchObject({ code: "ROLLBACK_NOT_RESUMABLE" });
  });

  it("makes a second rollback with wait:true queue (position 1) and run after the first", async () => {
    const first = await startBlocking();
    const second = start(true);
    await until("the second rollback to wait", () => second.positions.length > 0);
    expect(second.positions).toEqual([1]);
    const secondId = second.id() as string;
    expect((await second.engine.store.listQueue("prod")).map((q) => q.rollbackId)).toEqual([secondId]);
    expect(eventsOf(await second.engine.store.readJournal(secondId), "started")).toEqual([]);

    fs.writeFileSync(release, "");
    const [a, b] = await Promise.all([first.run, second.run]);
    expect(a.state).toBe("succeeded");
    expect(b.state).toBe("succeeded");

    const firstJournal = await first.engine.store.readJournal(a.rollbackId);
    const secondJournal = await second.engine.store.readJournal(b.rollbackId);
    const firstFinished = firstJournal.find((e) => e.event.type === "finished")?.at ?? Infinity;
    const secondStarted = secondJournal.find((e) => e.event.type === "started")?.at ?? -Infinity;
    expect(secondStarted).toBeGreaterThanOrEqual(firstFinished);
    // The first put everything at the target: the second finds it there and applies nothing.
    expect(applyOrder()).toEqual([a.rollbackId]);
    expect(sb.applications("tail").map((x) => x.rollback)).toEqual([a.rollbackId]);
    expect(eventsOf(secondJournal, "step-succeeded").map((e) => e.skipped)).toEqual([
      "already-at-target",
      "already-at-target",
    ]);
  });

  it("runs three rollbacks in the order they asked (FIFO)", async () => {
    const first = await startBlocking();
    const second = start(true);
    await until("the second rollback to wait", () => second.positions.length > 0);
    const third = start(true);
    await until("the third rollback to wait", () => third.positions.length > 0);
    expect(second.positions).toEqual([1]);
    expect(third.positions).toEqual([2]);
    expect((await first.engine.store.listQueue("prod")).map((q) => q.rollbackId)).toEqual([
      second.id(),
      third.id(),
    ]);

    fs.writeFileSync(release, "");
    const outcomes = await Promise.all([first.run, second.run, third.run]);
    expect(outcomes.map((o) => o.state)).toEqual(["succeeded", "succeeded", "succeeded"]);
    const ids = outcomes.map((o) => o.rollbackId);
    // Only the first applies; the later ones find the target reached (and change nothing).
    expect(applyOrder()).toEqual(ids.slice(0, 1));
    expect(sb.applications("tail").map((x) => x.rollback)).toEqual(ids.slice(0, 1));
    // Never two at once: each starts after the previous one finished.
    const spans = await Promise.all(
      ids.map(async (id) => {
        const j = await first.engine.store.readJournal(id);
        return {
          started: j.find((e) => e.event.type === "started")?.at ?? -Infinity,
          finished: j.find((e) => e.event.type === "finished")?.at ?? Infinity,
        };
      }),
    );
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i]?.started).toBeGreaterThanOrEqual(spans[i - 1]?.finished ?? Infinity);
    }
    // The third only ever moved forward (it may not observe position 1 if the second was quick).
    expect(third.positions[0]).toBe(2);
    expect([...third.positions].sort().reverse()).toEqual(third.positions);
    expect(await first.engine.store.listQueue("prod")).toEqual([]);
  });
});
