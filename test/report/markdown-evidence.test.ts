import { describe, expect, it } from "vitest";
import type { PlannedStep } from "../../src/core/model.js";
import { foldJournal } from "../../src/report/fold-journal.js";
import { renderMarkdownReport } from "../../src/report/markdown-report.js";
import { commandError, makePlan, ROLLBACK_ID, startedJournal } from "./journal-fixtures.js";

function edgeStep(id: string, action: string, phase: "pre" | "post", after: string[]): PlannedStep {
  return {
    id,
    component: "edge",
    kind: "nginx",
    action,
    description: action,
    phase,
    target: { version: "blue" },
    params: {},
    risk: { dataLoss: false, summary: "no data is touched" },
    reversible: true,
    after,
  };
}

/** A plan wrapped by an nginx edge: maintenance on first, off last. */
function wrappedPlan() {
  const plan = makePlan();
  const first = plan.steps[0];
  const last = plan.steps.at(-1);
  if (!first || !last) throw new Error("fixture plan has steps");
  first.after = ["edge#1:enter-maintenance"];
  plan.steps = [
    edgeStep("edge#1:enter-maintenance", "enter-maintenance", "pre", []),
    ...plan.steps,
    edgeStep("edge#2:leave-maintenance", "leave-maintenance", "post", [last.id]),
  ];
  return plan;
}

describe("report evidence sections", () => {
  it("says traffic was left in its safe state when the rollback ends before the post steps", () => {
    const plan = wrappedPlan();
    const j = startedJournal(plan)
      .add(100, { type: "step-started", stepId: "edge#1:enter-maintenance", attempt: 1 })
      .add(200, { type: "step-succeeded", stepId: "edge#1:enter-maintenance", attempt: 1, durationMs: 100 })
      .add(300, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
      .add(400, {
        type: "step-failed",
        stepId: "api#1:switch-release",
        attempt: 1,
        durationMs: 100,
        error: { ...commandError("release missing"), retryable: false },
        willRetry: false,
      })
      .add(500, {
        type: "escalated",
        reason: "step api#1:switch-release failed after its attempts",
        failedSteps: ["api#1:switch-release"],
        done: ["edge#1:enter-maintenance"],
        notDone: ["api#1:switch-release", "api#2:restart", "db#1:migrate-down", "edge#2:leave-maintenance"],
      })
      .add(600, { type: "finished", state: "escalated", reason: "step failed" });
    const md = renderMarkdownReport(foldJournal(ROLLBACK_ID, j.entries), j.entries);
    expect(md).toContain("## Traffic left in its safe state");
    expect(md).toMatch(/`edge#2:leave-maintenance` did not run/);
  });

  it("lists validation results, monitor samples and notifications", () => {
    const plan = makePlan();
    const j = startedJournal(plan)
      .add(100, {
        type: "monitor-sample",
        results: [{ name: "api health", kind: "http", status: "fail", detail: "500", durationMs: 3 }],
        errorRate: 1,
        threshold: 0.5,
        aborted: true,
      })
      .add(200, {
        type: "validation",
        result: {
          name: "error ratio",
          kind: "metric",
          status: "error",
          detail: "Prometheus unavailable",
          durationMs: 9,
        },
      })
      .add(300, {
        type: "notification",
        channel: "pager",
        about: "escalated",
        ok: false,
        error: commandError("ECONNREFUSED"),
      })
      .add(400, { type: "finished", state: "failed", reason: "validation failed" });
    const md = renderMarkdownReport(foldJournal(ROLLBACK_ID, j.entries), j.entries);
    expect(md).toContain("## Validation");
    expect(md).toMatch(/\| error ratio \| metric \| \*\*error\*\* \| Prometheus unavailable/);
    expect(md).toContain("## Live monitor");
    expect(md).toMatch(/\| 1\.00 \| 0\.5 \| \*\*aborted\*\* \| api health: fail/);
    expect(md).toContain("## Notifications");
    expect(md).toMatch(/\| pager \| escalated \| failed: /);
    expect(md).not.toContain("## Traffic left");
  });

  it("shows what a step reported (e.g. a replay's per-table counts)", () => {
    const plan = makePlan();
    const j = startedJournal(plan)
      .add(100, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
      .add(200, {
        type: "step-succeeded",
        stepId: "api#1:switch-release",
        attempt: 1,
        durationMs: 100,
        output: "replayed 50000 rows\nusers: 25000 replayed, 0 archived",
      });
    const md = renderMarkdownReport(foldJournal(ROLLBACK_ID, j.entries), j.entries);
    expect(md).toContain("## Step output");
    expect(md).toContain("### `api#1:switch-release`");
    expect(md).toContain("users: 25000 replayed, 0 archived");
  });
});
