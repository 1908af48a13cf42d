import { describe, expect, it } from "vitest";
import { foldJournal } from "../../src/report/fold-journal.js";
import { buildJsonReport } from "../../src/report/json-report.js";
import {
  cutOffJournal,
  escalationJournal,
  gateJournal,
  ROLLBACK_ID,
  successJournal,
} from "./journal-fixtures.js";

function report(fixture: { entries: Parameters<typeof foldJournal>[1] }) {
  return buildJsonReport(foldJournal(ROLLBACK_ID, fixture.entries), fixture.entries);
}

describe("buildJsonReport", () => {
  it("reports a successful run", () => {
    const r = report(successJournal());
    expect(r.id).toBe(ROLLBACK_ID);
    expect(r.environment).toBe("production");
    expect(r.checkpoint).toEqual({
      id: "cp-7f3a",
      name: "before-v2.1.0",
      createdAt: "2025-01-15T09:00:00.000Z",
    });
    expect(r.planHash).toBe("a1b2c3d4e5f6".padEnd(64, "9"));
    expect(r.state).toBe("succeeded");
    expect(r.times).toEqual({
      created: "2025-01-15T10:00:00.000Z",
      started: "2025-01-15T10:00:00.050Z",
      deadline: "2025-01-15T10:15:00.050Z",
      finished: "2025-01-15T10:00:01.540Z",
      durationMs: 1490,
    });
    expect(r.steps.map((s) => [s.id, s.status, s.durationMs, s.attempts.length])).toEqual([
      ["api#1:switch-release", "succeeded", 212, 1],
      ["api#2:restart", "succeeded", 1000, 1],
      ["db#1:migrate-down", "succeeded", 200, 1],
    ]);
    expect(r.steps[0]?.attempts[0]).toEqual({
      attempt: 1,
      startedAt: "2025-01-15T10:00:00.100Z",
      endedAt: "2025-01-15T10:00:00.312Z",
      durationMs: 212,
      outcome: "succeeded",
      error: null,
      reason: null,
    });
    expect(r.escalation).toBeNull();
    expect(r.emergency).toBeNull();
    expect(r.timeline).toHaveLength(9);
    expect(r.timeline[3]).toEqual({
      at: "2025-01-15T10:00:00.312Z",
      offsetMs: 262,
      seq: 4,
      type: "step-succeeded",
      summary: "api#1:switch-release (attempt 1, 212 ms)",
    });
  });

  it("reports attempts, errors and the escalation", () => {
    const r = report(escalationJournal());
    expect(r.state).toBe("escalated");
    expect(r.endReason).toBe("api#1:switch-release failed 3 times");
    const api1 = r.steps[0];
    expect(api1?.status).toBe("failed");
    expect(api1?.durationMs).toBe(750);
    expect(api1?.attempts.map((a) => [a.attempt, a.outcome, a.durationMs, a.error?.message])).toEqual([
      [1, "failed", 300, "ln exited with code 1 (attempt 1)"],
      [2, "failed", 250, "ln exited with code 1 (attempt 2)"],
      [3, "failed", 200, "ln exited with code 1 (attempt 3)"],
    ]);
    expect(r.escalation).toEqual({
      at: "2025-01-15T10:00:03.860Z",
      reason: "api#1:switch-release failed 3 times",
      failedSteps: ["api#1:switch-release"],
      done: [],
      notDone: ["api#1:switch-release", "api#2:restart", "db#1:migrate-down"],
      hookOk: true,
    });
    expect(r.timeline.find((t) => t.seq === 6)?.summary).toBe(
      "api#1:switch-release (attempt 2, 250 ms): COMMAND_FAILED: ln exited with code 1 (attempt 2); retrying in 2 s",
    );
  });

  it("reports gate decisions", () => {
    const fixture = gateJournal();
    const r = report(fixture);
    expect(r.gate).toEqual({
      required: true,
      waitingSince: null,
      waitingSteps: ["db#1:migrate-down"],
      decisions: [
        {
          at: "2025-01-15T10:01:00.820Z",
          type: "approved",
          by: "bob",
          via: "approve",
          planHash: fixture.plan.hash,
          reason: null,
        },
      ],
    });
  });

  it("reports a cut-off journal with stable keys", () => {
    const r = report(cutOffJournal());
    expect(r.state).toBe("running");
    expect(r.times.finished).toBeNull();
    expect(r.times.durationMs).toBe(270); // start to the last event
    expect(r.steps[1]).toMatchObject({ status: "running", interrupted: true, durationMs: null });
    expect(r.steps[1]?.attempts[0]).toMatchObject({ outcome: "running", endedAt: null, durationMs: null });
    // Same key set whatever happened: scripts can rely on the shape.
    expect(Object.keys(r)).toEqual(Object.keys(report(successJournal())));
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
