/**
 * Circuit breaker 2: a plan with a data-loss step goes no further until someone confirmed
 * that exact plan (its hash): by flag, or by approval and resume. Policy `refuse` never
 * applies such a step.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/core/engine.js";
import { approveRollback, resumeRollback, runRollback } from "../../src/core/rollbacks.js";
import { CLI, eventsOf, Sandbox, stepOf } from "./helpers.js";
import fs from "node:fs";

const RISK = { dataLoss: true, summary: "drops the cache table" };
const ALL = ["web", "cache", "side"];

let sb: Sandbox;

beforeEach(() => {
  sb = new Sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

/** web → cache (data loss) plus an independent side; checkpoint at v1, deploy v2. */
async function setup(dataLoss?: "confirm" | "refuse"): Promise<Engine> {
  sb.writeConfig({
    policies: { retry: { maxAttempts: 3, initialInterval: "10ms", maximumInterval: "20ms" } },
    components: {
      cache: sb.commandComponent("cache", { risk: RISK, ...(dataLoss ? { dataLoss } : {}) }),
      web: sb.commandComponent("web", { dependsOn: ["cache"] }),
      side: sb.commandComponent("side"),
    },
  });
  const engine = sb.engine();
  await engine.checkpoint({ name: "before-v2", good: true });
  sb.deploy("v2", ...ALL);
  return engine;
}

describe("data-loss gate", () => {
  it("parks the rollback until that exact plan is approved, then applies the step once", async () => {
    const engine = await setup();
    const plan = await engine.plan();
    expect(plan.dataLoss).toBe(true);
    expect(plan.steps.find((s) => s.id === stepOf("cache"))?.risk).toEqual(RISK);

    let created: string | undefined;
    const parked = await runRollback(engine, {}, { onCreated: (id) => (created = id) });
    const id = parked.rollbackId;
    expect(created).toBe(id);
    expect(parked.state).toBe("awaiting-confirmation");
    expect(parked.planHash).toBe(plan.hash);
    expect((await engine.store.getRollback(id))?.state).toBe("awaiting-confirmation");

    let journal = await engine.store.readJournal(id);
    expect(eventsOf(journal, "gate-waiting")).toEqual([
      { type: "gate-waiting", planHash: plan.hash, steps: [stepOf("cache")] },
    ]);
    // Nothing of the plan ran, not even the steps without data loss.
    expect(eventsOf(journal, "step-started")).toEqual([]);
    for (const c of ALL) {
      expect(sb.applications(c)).toEqual([]);
      expect(sb.state(c)).toBe("v2");
    }

    // The lock stays with the rollback, held by no process (parked).
    const lock = await engine.store.getLock("prod");
    expect(lock?.rollbackId).toBe(id);
    expect(lock?.holder).toBeUndefined();
    expect(lock?.leaseExpiresAt).toBeUndefined();
    if (fs.existsSync(CLI)) {
      const status = sb.cli("--json", "status");
      expect(status.status).toBe(0);
      const data = JSON.parse(status.stdout) as { lock: { rollbackId: string; holder?: unknown } | null };
      expect(data.lock?.rollbackId).toBe(id);
      expect(data.lock?.holder ?? null).toBeNull();
    }

    // A confirmation for another plan is refused before anything is created or changed.
    const other = await engine.plan({ only: ["cache"] });
    expect(other.dataLoss).toBe(true);
    expect(other.hash).not.toBe(plan.hash);
    const before = (await engine.store.listRollbacks()).map((r) => r.id);
    await expect(runRollback(engine, {}, { confirmHash: other.hash })).rejects.toMatchObject({
      code: "CONFIRMATION_MISMATCH",
    });
    expect((await engine.store.listRollbacks()).map((r) => r.id)).toEqual(before);
    expect(await engine.store.readJournal(id)).toHaveLength(journal.length);

    // Approving with the wrong hash is refused too, and records nothing.
    await expect(approveRollback(engine, id, other.hash, "alice")).rejects.toMatchObject({
      code: "CONFIRMATION_MISMATCH",
    });
    await expect(resumeRollback(engine, id, { confirmHash: other.hash })).rejects.toMatchObject({
      code: "CONFIRMATION_MISMATCH",
    });
    expect(eventsOf(await engine.store.readJournal(id), "gate-approved")).toEqual([]);
    // The right hash, then resume: the whole plan runs, the data-loss step exactly once.
    await approveRollback(engine, id, plan.hash, "alice");
    const done = await resumeRollback(engine, id);
    expect(done.state).toBe("succeeded");
    journal = await engine.store.readJournal(id);
    expect(eventsOf(journal, "gate-waiting")).toHaveLength(1);
    expect(eventsOf(journal, "gate-approved")).toEqual([
      { type: "gate-approved", planHash: plan.hash, by: "alice", via: "approve" },
    ]);
    expect(eventsOf(journal, "step-started", stepOf("cache"))).toHaveLength(1);
    for (const c of ALL) {
      expect(sb.applications(c)).toHaveLength(1);
      expect(sb.state(c)).toBe("v1");
    }
    expect((await engine.store.getLock("prod"))?.holder).toBeUndefined();
    expect((await engine.store.getLock("prod"))?.rollbackId ?? undefined).toBeUndefined();
  });

  // BUG (src/core/executor/gate.ts, decideGate): resuming a parked rollback without a
  // confirmation journals "resumed" (state → running) but not "gate-waiting" again, because
  // state.gateWaiting is already true. The outcome says awaiting-confirmation while the stored
  // state stays "running", so approveRollback refuses it (ROLLBACK_NOT_RESUMABLE).
  it("stays approvable after a resume without confirmation", async () => {
    const engine = await setup();
    const plan = await engine.plan();
    const { rollbackId: id } = await runRollback(engine, {});
    const again = await resumeRollback(engine, id);
    expect(again.state).toBe("awaiting-confirmation");
    expect(eventsOf(await engine.store.readJournal(id), "step-started")).toEqual([]);
    expect(sb.applications("cache")).toEqual([]);
    expect((await engine.store.getRollback(id))?.state).toBe("awaiting-confirmation");
    await approveRollback(engine, id, plan.hash, "alice");
    expect((await resumeRollback(engine, id)).state).toBe("succeeded");
    expect(sb.applications("cache")).toHaveLength(1);
  });

  it("runs straight through with the plan's hash given up front", async () => {
    const engine = await setup();
    const plan = await engine.plan();
    const outcome = await runRollback(engine, {}, { confirmHash: plan.hash, confirmedBy: "bob" });
    expect(outcome.state).toBe("succeeded");
    expect(outcome.planHash).toBe(plan.hash);
    const journal = await engine.store.readJournal(outcome.rollbackId);
    expect(eventsOf(journal, "gate-waiting")).toEqual([]);
    expect(eventsOf(journal, "gate-approved")).toEqual([
      { type: "gate-approved", planHash: plan.hash, by: "bob", via: "flag" },
    ]);
    for (const c of ALL) expect(sb.applications(c)).toHaveLength(1);
  });

  it("accepts a 12-character prefix of the hash but not a shorter one", async () => {
    const engine = await setup();
    const plan = await engine.plan();
    const before = await engine.store.listRollbacks();
    await expect(runRollback(engine, {}, { confirmHash: plan.hash.slice(0, 11) })).rejects.toMatchObject({
      code: "CONFIRMATION_MISMATCH",
    });
    expect(await engine.store.listRollbacks()).toEqual(before);
    const outcome = await runRollback(engine, {}, { confirmHash: plan.hash.slice(0, 12).toUpperCase() });
    expect(outcome.state).toBe("succeeded");
    expect(sb.applications("cache")).toHaveLength(1);
  });

  it("refuses the plan when the component's data-loss policy is refuse", async () => {
    const engine = await setup("refuse");
    await expect(engine.plan()).rejects.toMatchObject({ code: "PLAN_INVALID" });
    await expect(runRollback(engine, {})).rejects.toMatchObject({ code: "PLAN_INVALID" });
    expect(await engine.store.listRollbacks()).toEqual([]);
    for (const c of ALL) expect(sb.applications(c)).toEqual([]);
    // Without the refused component the rest may roll back.
    const outcome = await runRollback(engine, { except: ["cache"] });
    expect(outcome.state).toBe("succeeded");
    expect(sb.applications("cache")).toEqual([]);
    expect(sb.applications("web")).toHaveLength(1);
  });
});
