/**
 * A rollback stopped by Ctrl-C while a long step ran (its attempt cancelled), resumed 40 s
 * later, then finished: with long step ids and a long last error, the layout cases of issue 13.
 */
import type { JournalEntry } from "../../src/core/journal-events.js";
import type { Plan } from "../../src/core/model.js";
import { commandError, HOLDER_2, JournalBuilder, makePlan, T0 } from "../report/journal-fixtures.js";

export const LONG_ERROR =
  'nginx -t rejected the configuration for pool green; previous include restored, nginx not reloaded: nginx: [emerg] host not found in upstream "green-backend-01.internal.example.com:8080" in /etc/nginx/backout/edge-production-eu-west-1.conf:4';

/** `how`: "ctrl-c" journals the cancelled step; "killed" leaves the attempt open (SIGKILL mid-step). */
export function interruptedJournal(how: "ctrl-c" | "killed" = "ctrl-c"): {
  plan: Plan;
  entries: JournalEntry[];
  stopAt: number;
  resumeAt: number;
} {
  const plan = makePlan();
  const ids = plan.steps.map((s) => s.id);
  const [first = "", second = "", third = ""] = ids;
  const stopAt = how === "ctrl-c" ? T0 + 4_000 : T0 + 3_000;
  const resumeAt = T0 + 44_000;
  const j = new JournalBuilder()
    .add(0, { type: "queued", plan, requestedBy: "alice" })
    .add(50, {
      type: "started",
      holder: { token: "t", pid: 1, host: "deploy-1" },
      epoch: 1,
      deadlineAt: T0 + 900_050,
    })
    .add(100, { type: "step-started", stepId: first, attempt: 1 })
    .add(600, {
      type: "step-failed",
      stepId: first,
      attempt: 1,
      durationMs: 500,
      error: commandError(LONG_ERROR),
      willRetry: true,
      retryInMs: 500,
    })
    .add(1100, { type: "step-started", stepId: first, attempt: 2 })
    .add(1500, { type: "step-succeeded", stepId: first, attempt: 2, durationMs: 400 })
    .add(1600, { type: "step-started", stepId: second, attempt: 1 })
    .add(3_000, { type: "monitor-sample", results: [], errorRate: 0, threshold: 0.5, aborted: false });
  if (how === "ctrl-c") {
    j.add(4_000, { type: "step-cancelled", stepId: second, attempt: 1, reason: "interrupted (Ctrl-C)" });
  }
  j.add(44_000, { type: "resumed", holder: HOLDER_2, epoch: 2, interruptedSteps: [] })
    .add(44_100, { type: "step-started", stepId: second, attempt: 2 })
    .add(45_100, { type: "step-succeeded", stepId: second, attempt: 2, durationMs: 1000 })
    .add(45_200, { type: "step-started", stepId: third, attempt: 1 })
    .add(45_700, { type: "step-succeeded", stepId: third, attempt: 1, durationMs: 500 })
    .add(45_800, { type: "finished", state: "succeeded" });
  return { plan, entries: j.entries, stopAt, resumeAt };
}
