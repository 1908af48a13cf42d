/**
 * Circuit breaker 3: at most `maxAttempts` attempts per step, with backoff; after the last
 * failure nothing new is dispatched, the rollback escalates once, and the escalation hook is
 * told what was done and what was not.
 */
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { resumeRollback, runRollback } from "../../src/core/rollbacks.js";
import { foldJournal } from "../../src/report/fold-journal.js";
import { eventsOf, jsonLines, Sandbox, stepOf, until } from "./helpers.js";

interface HookCall {
  summary: {
    rollbackId: string;
    environment: string;
    reason: string;
    failedSteps: string[];
    done: string[];
    notDone: string[];
  };
  state: string | null;
}

const MAX_ATTEMPTS = 3;
const START = Date.UTC(2025, 0, 1, 12, 0, 0);

let sb: Sandbox;
let hookFile: string;

beforeEach(() => {
  sb = new Sandbox();
  hookFile = sb.path("escalation.jsonl");
});
afterEach(async () => {
  await sb.cleanup();
});

function policies(): Record<string, unknown> {
  return {
    concurrency: 4,
    retry: {
      maxAttempts: MAX_ATTEMPTS,
      initialInterval: "10ms",
      backoffCoefficient: 2,
      maximumInterval: "20ms",
    },
    escalation: { command: sb.node("hook-stdin.mjs", hookFile) },
  };
}

describe("attempts per step (web → api → db, api flaky, side independent)", () => {
  // Rollback order is dependents first: web, then api, then db. side has no dependencies.
  function setup(failFirst: number) {
    sb.writeConfig({
      policies: policies(),
      components: {
        db: sb.commandComponent("db"),
        api: sb.commandComponent("api", { dependsOn: ["db"], failFirst }),
        web: sb.commandComponent("web", { dependsOn: ["api"] }),
        side: sb.commandComponent("side"),
      },
    });
    return sb.engine();
  }

  it.each([0, 1, 2, 3, 4])("api fails %i time(s)", async (k) => {
    const engine = setup(k);
    await engine.checkpoint({ name: "before-v2", good: true });
    sb.deploy("v2", "db", "api", "web", "side");

    const plan = await engine.plan();
    expect(plan.steps.map((s) => s.id).sort()).toEqual(["api", "db", "side", "web"].map(stepOf).sort());
    expect(plan.steps.find((s) => s.id === stepOf("api"))?.after).toEqual([stepOf("web")]);
    expect(plan.steps.find((s) => s.id === stepOf("db"))?.after).toEqual([stepOf("api")]);

    const outcome = await runRollback(engine, {});
    const journal = await engine.store.readJournal(outcome.rollbackId);
    const expectedAttempts = Math.min(k + 1, MAX_ATTEMPTS);

    const apiStarts = eventsOf(journal, "step-started", stepOf("api"));
    expect(apiStarts.map((e) => e.attempt)).toEqual(
      Array.from({ length: expectedAttempts }, (_, i) => i + 1),
    );
    expect(sb.attemptsCounted("api")).toBe(expectedAttempts);
    const apiFailures = eventsOf(journal, "step-failed", stepOf("api"));
    expect(apiFailures).toHaveLength(Math.min(k, MAX_ATTEMPTS));
    // Every failure but the last allowed one is retried, with a backoff from the policy.
    apiFailures.forEach((f, i) => {
      const retried = i + 1 < MAX_ATTEMPTS;
      expect(f.willRetry).toBe(retried);
      expect(f.error.code).toBe("COMMAND_FAILED");
      if (retried) expect(f.retryInMs).toBe(Math.min(10 * 2 ** i, 20));
      else expect(f.retryInMs).toBeUndefined();
    });
    // The report folds the same attempts.
    const view = foldJournal(outcome.rollbackId, journal);
    expect(view.steps.find((s) => s.id === stepOf("api"))?.attempts).toHaveLength(expectedAttempts);

    // web (before api) and side (independent) always finish, exactly once.
    expect(sb.applications("web")).toHaveLength(1);
    expect(sb.applications("side")).toHaveLength(1);
    expect(sb.state("web")).toBe("v1");
    expect(sb.state("side")).toBe("v1");

    const escalated = eventsOf(journal, "escalated");
    if (k >= MAX_ATTEMPTS) {
      expect(outcome.state).toBe("escalated");
      expect((await engine.store.getRollback(outcome.rollbackId))?.state).toBe("escalated");
      expect(escalated).toHaveLength(1);
      expect(eventsOf(journal, "finished")).toEqual([expect.objectContaining({ state: "escalated" })]);
      // Nothing that depends on api was dispatched.
      expect(eventsOf(journal, "step-started", stepOf("db"))).toHaveLength(0);
      expect(sb.applications("db")).toHaveLength(0);
      expect(sb.state("db")).toBe("v2");
      expect(sb.applications("api")).toHaveLength(0);
      expect(sb.state("api")).toBe("v2");

      const summary = {
        failedSteps: [stepOf("api")],
        done: [stepOf("side"), stepOf("web")],
        notDone: [stepOf("api"), stepOf("db")],
      };
      expect({
        failedSteps: escalated[0]?.failedSteps,
        done: [...(escalated[0]?.done ?? [])].sort(),
        notDone: [...(escalated[0]?.notDone ?? [])].sort(),
      }).toEqual(summary);

      const calls = jsonLines<HookCall>(hookFile);
      expect(calls).toHaveLength(1);
      const call = calls[0] as HookCall;
      expect(call.state).toBe("escalated");
      expect(call.summary.rollbackId).toBe(outcome.rollbackId);
      expect(call.summary.environment).toBe("prod");
      expect(call.summary.reason).toContain(stepOf("api"));
      expect({
        failedSteps: call.summary.failedSteps,
        done: [...call.summary.done].sort(),
        notDone: [...call.summary.notDone].sort(),
      }).toEqual(summary);
      expect(eventsOf(journal, "escalation-hook")).toEqual([expect.objectContaining({ ok: true })]);
      // The lock is free again.
      expect((await engine.store.getLock("prod"))?.rollbackId ?? undefined).toBeUndefined();
    } else {
      expect(outcome.state).toBe("succeeded");
      expect(escalated).toHaveLength(0);
      expect(fs.existsSync(hookFile)).toBe(false);
      expect(sb.applications("api")).toHaveLength(1);
      expect(sb.applications("db")).toHaveLength(1);
      expect(eventsOf(journal, "step-started", stepOf("db"))).toHaveLength(1);
      for (const c of ["db", "api", "web", "side"]) expect(sb.state(c)).toBe("v1");
    }
  });
});

describe("a non-retryable failure", () => {
  it("spends one attempt: the release directory vanished between plan and run", async () => {
    const root = sb.path("app");
    for (const r of ["r1", "r2"]) fs.mkdirSync(path.join(root, "releases", r), { recursive: true });
    fs.symlinkSync("releases/r1", path.join(root, "current"));
    sb.writeConfig({
      policies: policies(),
      components: {
        rel: { kind: "release", path: "app" },
        side: sb.commandComponent("side"),
      },
    });
    const engine = sb.engine();
    await engine.checkpoint({ name: "before-r2", good: true });
    // The bad deploy: current → r2.
    fs.rmSync(path.join(root, "current"));
    fs.symlinkSync("releases/r2", path.join(root, "current"));
    sb.deploy("v2", "side");

    const outcome = await runRollback(
      engine,
      {},
      {
        // The plan exists (it checked that r1 is there); prune r1 before anything runs.
        onCreated: () => fs.rmSync(path.join(root, "releases", "r1"), { recursive: true }),
      },
    );
    const journal = await engine.store.readJournal(outcome.rollbackId);
    const relStep = "rel#1:switch-release";

    expect(outcome.state).toBe("escalated");
    expect(eventsOf(journal, "step-started", relStep)).toHaveLength(1);
    const failures = eventsOf(journal, "step-failed", relStep);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.error.code).toBe("PLAN_INVALID");
    expect(failures[0]?.error.retryable).toBe(false);
    expect(failures[0]?.willRetry).toBe(false);
    expect(fs.readlinkSync(path.join(root, "current"))).toBe("releases/r2");
    expect(eventsOf(journal, "escalated")).toHaveLength(1);
    expect(jsonLines<HookCall>(hookFile).map((c) => c.summary.failedSteps)).toEqual([[relStep]]);
  });

  it("spends one attempt: the apply program does not exist", async () => {
    sb.writeConfig({
      policies: policies(),
      components: {
        svc: sb.commandComponent("svc", { apply: [sb.path("no-such-program"), "{{target}}"] }),
      },
    });
    const engine = sb.engine();
    await engine.checkpoint({ name: "before-v2", good: true });
    sb.deploy("v2", "svc");

    const outcome = await runRollback(engine, {});
    const journal = await engine.store.readJournal(outcome.rollbackId);
    expect(outcome.state).toBe("escalated");
    expect(eventsOf(journal, "step-started", stepOf("svc"))).toHaveLength(1);
    expect(eventsOf(journal, "step-failed", stepOf("svc"))).toEqual([
      expect.objectContaining({
        willRetry: false,
        error: expect.objectContaining({ retryable: false }) as unknown,
      }),
    ]);
    expect(jsonLines<HookCall>(hookFile)).toHaveLength(1);
  });
});

describe("the attempt budget across a restart", () => {
  it("counts the failures journalled before the restart: 2 before + 1 after = 3", async () => {
    sb.writeConfig({
      policies: {
        ...policies(),
        retry: { maxAttempts: MAX_ATTEMPTS, initialInterval: "30s", maximumInterval: "1m" },
      },
      components: { api: sb.commandComponent("api", { failFirst: 10 }) },
    });
    // A manual clock: the backoff waits only when the test advances time.
    const clock1 = new ManualClock(START);
    const engine1 = sb.engine({ clock: clock1 });
    await engine1.checkpoint({ name: "before-v2", good: true });
    sb.deploy("v2", "api");

    const abort = new AbortController();
    let id: string | undefined;
    const first = runRollback(engine1, {}, { signal: abort.signal, onCreated: (rid) => (id = rid) });
    first.catch(() => undefined);
    const failures = async () =>
      eventsOf(await engine1.store.readJournal(id as string), "step-failed").length;
    await until("the first failure", async () => id !== undefined && (await failures()) === 1);
    clock1.advance(30_000);
    await until("the second failure", async () => (await failures()) === 2);
    // Stopped during the second backoff (Ctrl-C); the rollback stays resumable.
    abort.abort();
    expect((await first).state).toBe("running");
    expect(sb.attemptsCounted("api")).toBe(2);

    const engine2 = sb.engine({ clock: new ManualClock(START + 60_000) });
    const outcome = await resumeRollback(engine2, id as string);
    expect(outcome.state).toBe("escalated");
    expect(sb.attemptsCounted("api")).toBe(MAX_ATTEMPTS);
    const journal = await engine2.store.readJournal(id as string);
    expect(eventsOf(journal, "step-started", stepOf("api")).map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(eventsOf(journal, "step-failed", stepOf("api")).map((e) => e.willRetry)).toEqual([
      true,
      true,
      false,
    ]);
    expect(eventsOf(journal, "escalated")).toHaveLength(1);
    expect(jsonLines<HookCall>(hookFile)).toHaveLength(1);
  });
});
