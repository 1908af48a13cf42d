import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import { foldJournal } from "../../src/report/fold-journal.js";
import {
  cutOffJournal,
  escalationJournal,
  gateJournal,
  HOLDER,
  HOLDER_2,
  JournalBuilder,
  ROLLBACK_ID,
  successJournal,
  T0,
  makePlan,
  startedJournal,
} from "./journal-fixtures.js";

describe("foldJournal", () => {
  it("folds a successful run", () => {
    const { plan, entries } = successJournal();
    const view = foldJournal(ROLLBACK_ID, entries);
    expect(view.id).toBe(ROLLBACK_ID);
    expect(view.plan).toBe(plan);
    expect(view.environment).toBe("production");
    expect(view.requestedBy).toBe("alice");
    expect(view.state).toBe("succeeded");
    expect(view.createdAt).toBe(T0);
    expect(view.startedAt).toBe(T0 + 50);
    expect(view.deadlineAt).toBe(T0 + 50 + 900_000);
    expect(view.finishedAt).toBe(T0 + 1540);
    expect(view.endReason).toBeUndefined();
    expect(view.steps.map((s) => [s.id, s.component, s.action, s.status])).toEqual([
      ["api#1:switch-release", "api", "switch-release", "succeeded"],
      ["api#2:restart", "api", "restart", "succeeded"],
      ["db#1:migrate-down", "db", "migrate-down", "succeeded"],
    ]);
    expect(view.steps[0]?.attempts).toEqual([
      { attempt: 1, startedAt: T0 + 100, endedAt: T0 + 312, durationMs: 212, outcome: "succeeded" },
    ]);
    expect(view.gate).toEqual({ required: false, waitingSteps: [], decisions: [] });
    expect(view.escalation).toBeUndefined();
    expect(view.emergency).toBeUndefined();
    expect(view.holders).toEqual([{ at: T0 + 50, via: "started", ...HOLDER, epoch: 1 }]);
    expect(view.interruptedSteps).toEqual([]);
    expect(view.lastSeq).toBe(9);
  });

  it("folds failed attempts, retries and the escalation", () => {
    const view = foldJournal(ROLLBACK_ID, escalationJournal().entries);
    expect(view.state).toBe("escalated");
    expect(view.endReason).toBe("api#1:switch-release failed 3 times");
    const [api1, api2, db1] = view.steps;
    expect(api1?.status).toBe("failed");
    expect(api1?.attempts.map((a) => [a.attempt, a.outcome, a.durationMs, a.willRetry, a.retryInMs])).toEqual(
      [
        [1, "failed", 300, true, 1000],
        [2, "failed", 250, true, 2000],
        [3, "failed", 200, false, undefined],
      ],
    );
    expect(api1?.attempts[2]?.error?.message).toBe("ln exited with code 1 (attempt 3)");
    expect(api1?.retryAt).toBeUndefined();
    expect(api2?.status).toBe("pending");
    expect(db1?.status).toBe("pending");
    expect(view.escalation).toEqual({
      at: T0 + 3860,
      reason: "api#1:switch-release failed 3 times",
      failedSteps: ["api#1:switch-release"],
      done: [],
      notDone: ["api#1:switch-release", "api#2:restart", "db#1:migrate-down"],
      hookOk: true,
    });
  });

  it("shows a step between attempts as running, with its retry time", () => {
    const entries = escalationJournal().entries.slice(0, 4); // queued, started, started#1, failed#1
    const view = foldJournal(ROLLBACK_ID, entries);
    expect(view.state).toBe("running");
    expect(view.steps[0]?.status).toBe("running");
    expect(view.steps[0]?.retryAt).toBe(T0 + 1400);
    expect(view.steps[0]?.interrupted).toBeUndefined();
  });

  it("folds a gate wait and its approval", () => {
    const { plan, entries } = gateJournal();
    const waiting = foldJournal(ROLLBACK_ID, entries.slice(0, 7));
    expect(waiting.state).toBe("awaiting-confirmation");
    expect(waiting.gate).toEqual({
      required: true,
      waitingSince: T0 + 820,
      waitingSteps: ["db#1:migrate-down"],
      decisions: [],
    });

    const view = foldJournal(ROLLBACK_ID, entries);
    expect(view.state).toBe("succeeded");
    expect(view.gate.waitingSince).toBeUndefined();
    expect(view.gate.decisions).toEqual([
      { at: T0 + 60_820, type: "approved", by: "bob", via: "approve", planHash: plan.hash },
    ]);
    expect(view.steps.every((s) => s.status === "succeeded")).toBe(true);
  });

  it("tolerates a journal cut off mid-step", () => {
    const view = foldJournal(ROLLBACK_ID, cutOffJournal().entries);
    expect(view.state).toBe("running");
    expect(view.finishedAt).toBeUndefined();
    expect(view.steps.map((s) => s.status)).toEqual(["succeeded", "running", "pending"]);
    expect(view.steps[1]?.interrupted).toBe(true);
    expect(view.steps[1]?.attempts).toEqual([{ attempt: 1, startedAt: T0 + 320, outcome: "running" }]);
    expect(view.interruptedSteps).toEqual(["api#2:restart"]);
  });

  it("folds every prefix of every journal without throwing", () => {
    for (const { entries } of [successJournal(), escalationJournal(), gateJournal(), cutOffJournal()]) {
      for (let n = 1; n <= entries.length; n++) {
        const view = foldJournal(ROLLBACK_ID, entries.slice(0, n));
        expect(view.lastSeq).toBe(n);
        expect(view.steps).toHaveLength(3);
      }
    }
  });

  it("marks interrupted attempts on resume and what verify() said after the crash", () => {
    const j = new JournalBuilder();
    for (const e of cutOffJournal().entries) j.add(e.at - T0, e.event);
    j.add(30_000, { type: "resumed", holder: HOLDER_2, epoch: 2, interruptedSteps: ["api#2:restart"] })
      .add(30_010, { type: "step-verified", stepId: "api#2:restart", reached: true })
      .add(30_020, {
        type: "step-succeeded",
        stepId: "api#2:restart",
        attempt: 1,
        durationMs: 10,
        skipped: "already-at-target",
      });
    const resumed = foldJournal(ROLLBACK_ID, j.entries.slice(0, 6));
    expect(resumed.steps[1]?.status).toBe("pending");
    expect(resumed.steps[1]?.interrupted).toBeUndefined();
    expect(resumed.steps[1]?.attempts[0]?.outcome).toBe("interrupted");

    const view = foldJournal(ROLLBACK_ID, j.entries);
    const api2 = view.steps[1];
    expect(api2?.status).toBe("skipped");
    expect(api2?.verifiedAfterCrash).toBe(true);
    expect(api2?.attempts).toEqual([
      // Ends at the crashed process's last journal entry (here: the step's own start).
      { attempt: 1, startedAt: T0 + 320, endedAt: T0 + 320, outcome: "interrupted" },
      { attempt: 1, startedAt: T0 + 30_010, endedAt: T0 + 30_020, durationMs: 10, outcome: "skipped" },
    ]);
    expect(view.resumes).toEqual([{ at: T0 + 30_000, epoch: 2, interruptedSteps: ["api#2:restart"] }]);
    expect(view.holders.map((h) => [h.via, h.token, h.epoch])).toEqual([
      ["started", "tok-1", 1],
      ["resumed", "tok-2", 2],
    ]);
  });

  it("folds the deadline, cancellation and emergency procedure", () => {
    const plan = makePlan();
    const j = startedJournal(plan)
      .add(100, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
      .add(900_050, { type: "deadline-passed", deadlineAt: T0 + 900_050 })
      .add(900_060, {
        type: "step-cancelled",
        stepId: "api#1:switch-release",
        attempt: 1,
        reason: "deadline passed",
      })
      .add(900_070, { type: "emergency-started", steps: ["maintenance-page", "page-oncall"] })
      .add(900_570, { type: "emergency-step", name: "maintenance-page", ok: true })
      .add(900_800, {
        type: "emergency-step",
        name: "page-oncall",
        ok: false,
        error: commandErrorLike("pager returned 503"),
      });
    const running = foldJournal(ROLLBACK_ID, j.entries);
    expect(running.emergency?.finished).toBe(false);

    j.add(900_810, { type: "emergency-finished" }).add(900_820, { type: "finished", state: "timed-out" });
    const view = foldJournal(ROLLBACK_ID, j.entries);
    expect(view.state).toBe("timed-out");
    expect(view.deadlinePassedAt).toBe(T0 + 900_050);
    expect(view.steps[0]?.status).toBe("cancelled");
    expect(view.steps[0]?.attempts[0]).toEqual({
      attempt: 1,
      startedAt: T0 + 100,
      endedAt: T0 + 900_060,
      durationMs: 899_960,
      outcome: "cancelled",
      reason: "deadline passed",
    });
    expect(view.emergency).toEqual({
      startedAt: T0 + 900_070,
      planned: ["maintenance-page", "page-oncall"],
      steps: [
        { at: T0 + 900_570, name: "maintenance-page", ok: true },
        { at: T0 + 900_800, name: "page-oncall", ok: false, error: commandErrorLike("pager returned 503") },
      ],
      finished: true,
      finishedAt: T0 + 900_810,
    });
  });

  it("settles steps left open by a rollback that ended", () => {
    const j = new JournalBuilder();
    for (const e of cutOffJournal().entries) j.add(e.at - T0, e.event);
    j.add(5000, { type: "finished", state: "failed", reason: "holder lost" });
    const view = foldJournal(ROLLBACK_ID, j.entries);
    expect(view.steps[1]?.status).toBe("cancelled");
    expect(view.steps[1]?.attempts[0]?.outcome).toBe("interrupted");
    expect(view.steps[1]?.interrupted).toBeUndefined();
    expect(view.interruptedSteps).toEqual([]);
  });

  it("ignores other rollbacks' entries, duplicates and order", () => {
    const { entries } = successJournal();
    const other = { ...entries[2]!, rollbackId: "rb-other" };
    const shuffled = [...entries].reverse().concat([entries[3]!, other]);
    expect(foldJournal(ROLLBACK_ID, shuffled)).toEqual(foldJournal(ROLLBACK_ID, entries));
  });

  it("refuses a journal without its queued event", () => {
    expect(() => foldJournal(ROLLBACK_ID, [])).toThrow(BackoutError);
    const { entries } = successJournal();
    expect(() => foldJournal(ROLLBACK_ID, entries.slice(1))).toThrow(/does not start with a "queued" event/);
  });
});

function commandErrorLike(message: string) {
  return { code: "COMMAND_FAILED" as const, message, retryable: true };
}
