/**
 * A journal with everything the HTML report draws: retries, a gate wait, monitor samples
 * climbing past the threshold, an escalation, validation results, notifications, and a
 * step whose id tries to inject a script.
 */
import type { JournalEntry, JournalEventData } from "../../src/core/journal-events.js";
import type { CheckResult, Plan } from "../../src/core/model.js";
import { commandError, JournalBuilder, makePlan, T0 } from "../report/journal-fixtures.js";

export const EVIL_STEP = "db#1:<script>window.__pwned=1</script>";

export function richPlan(): Plan {
  const plan = makePlan({ dataLoss: true });
  const steps = plan.steps.map((s) => (s.id === "db#1:migrate-down" ? { ...s, id: EVIL_STEP } : s));
  return { ...plan, steps };
}

function check(name: string, status: CheckResult["status"], detail: string, value?: number): CheckResult {
  return {
    name,
    kind: value === undefined ? "http" : "metric",
    status,
    detail,
    durationMs: 40,
    ...(value === undefined ? {} : { value }),
  };
}

function sample(errorRate: number, aborted = false): JournalEventData {
  const results = [
    check("api-health", errorRate > 0.3 ? "fail" : "pass", "GET /health"),
    check("error-ratio", "pass", "ok", errorRate),
  ];
  return { type: "monitor-sample", results, errorRate, threshold: 0.5, aborted };
}

export function richJournal(): { plan: Plan; entries: JournalEntry[]; attempts: number } {
  const plan = richPlan();
  const api1 = "api#1:switch-release";
  const failed = (stepId: string, attempt: number, durationMs: number, willRetry: boolean) =>
    ({
      type: "step-failed",
      stepId,
      attempt,
      durationMs,
      error: commandError(`exit 1 <b>bold</b> & more (attempt ${attempt})`),
      willRetry,
      ...(willRetry ? { retryInMs: 500 } : {}),
    }) as const;
  const j = new JournalBuilder()
    .add(0, { type: "queued", plan, requestedBy: "alice <ops>" })
    .add(50, {
      type: "started",
      holder: { token: "t", pid: 1, host: "deploy-1" },
      epoch: 1,
      deadlineAt: T0 + 50 + 900_000,
    })
    .add(60, {
      type: "notification",
      channel: "slack https://hooks.slack.com/***",
      about: "started",
      ok: true,
    })
    .add(100, { type: "step-started", stepId: api1, attempt: 1 })
    .add(400, failed(api1, 1, 300, true))
    .add(900, { type: "step-started", stepId: api1, attempt: 2 })
    .add(1000, sample(0.05))
    .add(1200, { type: "step-succeeded", stepId: api1, attempt: 2, durationMs: 300 })
    .add(1210, { type: "step-started", stepId: "api#2:restart", attempt: 1 })
    .add(2000, sample(0.1))
    .add(2210, { type: "step-succeeded", stepId: "api#2:restart", attempt: 1, durationMs: 1000 })
    .add(2220, { type: "gate-waiting", planHash: plan.hash, steps: [EVIL_STEP] })
    .add(2230, {
      type: "notification",
      channel: "pager",
      about: "awaiting-confirmation",
      ok: false,
      error: commandError("pager answered HTTP 503"),
    })
    .add(6220, { type: "gate-approved", planHash: plan.hash, by: "bob", via: "approve" })
    .add(6230, { type: "step-started", stepId: EVIL_STEP, attempt: 1 })
    .add(6400, sample(0.35))
    .add(6630, failed(EVIL_STEP, 1, 400, true))
    .add(7130, { type: "step-started", stepId: EVIL_STEP, attempt: 2 })
    .add(7400, sample(0.62, true))
    .add(7530, failed(EVIL_STEP, 2, 400, false))
    .add(7540, {
      type: "escalated",
      reason: `${EVIL_STEP} failed and the monitor aborted`,
      failedSteps: [EVIL_STEP],
      done: [api1, "api#2:restart"],
      notDone: [EVIL_STEP],
    })
    .add(7550, { type: "escalation-hook", ok: true })
    .add(7600, {
      type: "validation",
      result: check("api-health", "pass", "GET /health answered 200 in 12 ms"),
    })
    .add(7650, { type: "validation", result: check("error-ratio", "fail", "error ratio 0.62 > 0.5", 0.62) })
    .add(7700, { type: "notification", channel: "pager", about: "escalated", ok: true })
    .add(7710, { type: "finished", state: "escalated", reason: "db step failed twice" });
  const attempts = j.entries.filter((e) => e.event.type === "step-started").length;
  return { plan, entries: j.entries, attempts };
}
