/**
 * Folds a rollback's journal into its RollbackView. Pure: the same entries always give
 * the same view, and a journal cut off at any point (a crash) still folds.
 */
import { stateAfter, type JournalEntry, type JournalEventData } from "../core/journal-events.js";
import { journalOrder, queuedStart } from "../core/journal-start.js";
import { isTerminal, type Plan } from "../core/model.js";
import type { AttemptView, RollbackView, StepView } from "./rollback-view.js";

export { journalOrder };

type EventOf<T extends JournalEventData["type"]> = Extract<JournalEventData, { type: T }>;

export function foldJournal(rollbackId: string, entries: JournalEntry[]): RollbackView {
  const ordered = journalOrder(rollbackId, entries);
  const first = queuedStart(rollbackId, ordered);
  const view = emptyView(rollbackId, first, first.event.plan, first.event.requestedBy);
  const steps = new Map(view.steps.map((s) => [s.id, s]));
  for (const entry of ordered.slice(1)) applyEntry(view, steps, entry);
  settle(view);
  return view;
}

function emptyView(id: string, first: JournalEntry, plan: Plan, requestedBy: string): RollbackView {
  const at = first.at;
  return {
    id,
    environment: plan.environment,
    plan,
    requestedBy,
    state: "queued",
    createdAt: at,
    steps: plan.steps.map((s): StepView => ({
      id: s.id,
      component: s.component,
      action: s.action,
      description: s.description,
      phase: s.phase,
      dataLoss: s.risk.dataLoss,
      status: "pending",
      attempts: [],
    })),
    gate: { required: plan.dataLoss, waitingSteps: [], decisions: [] },
    resumes: [],
    interruptions: [],
    holders: [],
    interruptedSteps: [],
    lastSeq: first.seq,
    lastEventAt: at,
  };
}

function applyEntry(view: RollbackView, steps: Map<string, StepView>, entry: JournalEntry): void {
  const { at, event } = entry;
  const previousAt = view.lastEventAt;
  const previousType = view.lastEventType;
  view.state = stateAfter(event) ?? view.state;
  view.lastSeq = entry.seq;
  view.lastEventAt = at;
  view.lastEventType = event.type;
  // The process before a resume stopped at its last entry: a Ctrl-C ends with cancelled steps.
  if (event.type === "resumed") view.interruptions.push({ at: previousAt, how: stoppedBy(previousType) });
  switch (event.type) {
    case "queued":
      return; // only the first one counts; a second would be a store bug, ignored here
    case "started":
      view.startedAt ??= at;
      view.deadlineAt = event.deadlineAt;
      view.holders.push({ at, via: "started", ...event.holder, epoch: event.epoch });
      return;
    case "resumed":
      onResumed(view, at, event);
      return;
    case "gate-waiting":
      view.gate.waitingSince = at;
      view.gate.waitingSteps = [...event.steps];
      return;
    case "gate-approved":
      delete view.gate.waitingSince;
      view.gate.decisions.push({
        at,
        type: "approved",
        by: event.by,
        via: event.via,
        planHash: event.planHash,
      });
      return;
    case "step-started":
      onStepStarted(steps.get(event.stepId), at, event);
      return;
    case "step-verified": {
      const step = steps.get(event.stepId);
      // verify() also runs before first attempts; only after a restart is it news for the report.
      if (step && view.resumes.length > 0) step.verifiedAfterCrash = event.reached;
      return;
    }
    case "step-succeeded":
      onStepSucceeded(steps.get(event.stepId), at, event);
      return;
    case "step-failed":
      onStepFailed(steps.get(event.stepId), at, event);
      return;
    case "step-cancelled":
      onStepCancelled(steps.get(event.stepId), at, event);
      return;
    case "deadline-passed":
      view.deadlinePassedAt ??= at;
      return;
    case "emergency-started":
      view.emergency = { startedAt: at, planned: [...event.steps], steps: [], finished: false };
      return;
    case "emergency-step":
      view.emergency ??= { startedAt: at, planned: [], steps: [], finished: false };
      view.emergency.steps.push({
        at,
        name: event.name,
        ok: event.ok,
        ...(event.error ? { error: event.error } : {}),
      });
      return;
    case "emergency-finished":
      view.emergency ??= { startedAt: at, planned: [], steps: [], finished: false };
      view.emergency.finished = true;
      view.emergency.finishedAt = at;
      return;
    case "escalated":
      view.escalation = {
        at,
        reason: event.reason,
        failedSteps: [...event.failedSteps],
        done: [...event.done],
        notDone: [...event.notDone],
      };
      return;
    case "escalation-hook":
      if (!view.escalation) return;
      view.escalation.hookOk = event.ok;
      if (event.error) view.escalation.hookError = event.error;
      return;
    case "finished":
      view.finishedAt = at;
      if (event.reason !== undefined) view.endReason = event.reason;
      delete view.gate.waitingSince;
      return;
  }
}

function stoppedBy(lastType: string | undefined): "stopped" | "lost" {
  return lastType === "step-cancelled" ? "stopped" : "lost";
}

function onResumed(view: RollbackView, at: number, event: EventOf<"resumed">): void {
  const stoppedAt = view.interruptions[view.interruptions.length - 1]?.at;
  view.resumes.push({ at, epoch: event.epoch, interruptedSteps: [...event.interruptedSteps] });
  view.holders.push({ at, via: "resumed", ...event.holder, epoch: event.epoch });
  // The previous process is gone: whatever it had in flight will be verified or re-run.
  for (const step of view.steps) {
    if (step.status !== "running") continue;
    const open = openAttempt(step);
    if (open) {
      open.outcome = "interrupted";
      // The bar ends where the process that ran it was last heard from, not at the chart's end.
      if (stoppedAt !== undefined) open.endedAt = Math.max(open.startedAt, stoppedAt);
    }
    step.status = "pending";
    delete step.retryAt;
  }
}

function onStepStarted(step: StepView | undefined, at: number, event: EventOf<"step-started">): void {
  if (!step) return;
  const open = openAttempt(step);
  if (open) open.outcome = "interrupted";
  step.attempts.push({ attempt: event.attempt, startedAt: at, outcome: "running" });
  step.status = "running";
  delete step.retryAt;
}

function onStepSucceeded(step: StepView | undefined, at: number, event: EventOf<"step-succeeded">): void {
  if (!step) return;
  const skipped = event.skipped === "already-at-target";
  const attempt = endAttempt(step, event.attempt, at, event.durationMs);
  attempt.outcome = skipped ? "skipped" : "succeeded";
  step.status = skipped ? "skipped" : "succeeded";
  if (event.output !== undefined) step.output = event.output;
  delete step.retryAt;
}

function onStepFailed(step: StepView | undefined, at: number, event: EventOf<"step-failed">): void {
  if (!step) return;
  const attempt = endAttempt(step, event.attempt, at, event.durationMs);
  attempt.outcome = "failed";
  attempt.error = event.error;
  attempt.willRetry = event.willRetry;
  if (event.retryInMs !== undefined) attempt.retryInMs = event.retryInMs;
  // A step between attempts is still in progress; it only fails when no retry follows.
  if (event.willRetry) {
    step.status = "running";
    step.retryAt = at + (event.retryInMs ?? 0);
  } else {
    step.status = "failed";
    delete step.retryAt;
  }
}

function onStepCancelled(step: StepView | undefined, at: number, event: EventOf<"step-cancelled">): void {
  if (!step) return;
  const open = openAttempt(step);
  const attempt = open && open.attempt === event.attempt ? open : newAttempt(step, event.attempt, at);
  attempt.outcome = "cancelled";
  attempt.reason = event.reason;
  attempt.endedAt = at;
  attempt.durationMs = Math.max(0, at - attempt.startedAt);
  step.status = "cancelled";
  delete step.retryAt;
}

/** The attempt the end event refers to; one is made up when its start was never journalled. */
function endAttempt(step: StepView, attempt: number, at: number, durationMs: number): AttemptView {
  const open = openAttempt(step);
  const target =
    open && open.attempt === attempt ? open : newAttempt(step, attempt, Math.max(0, at - durationMs));
  target.endedAt = at;
  target.durationMs = durationMs;
  return target;
}

function newAttempt(step: StepView, attempt: number, startedAt: number): AttemptView {
  const open = openAttempt(step);
  if (open) open.outcome = "interrupted";
  const created: AttemptView = { attempt, startedAt, outcome: "running" };
  step.attempts.push(created);
  return created;
}

function openAttempt(step: StepView): AttemptView | undefined {
  const last = step.attempts[step.attempts.length - 1];
  return last?.outcome === "running" ? last : undefined;
}

/** Final touches once every entry is applied: what "no end recorded" means depends on the state. */
function settle(view: RollbackView): void {
  const terminal = isTerminal(view.state);
  for (const step of view.steps) {
    if (step.status !== "running") continue;
    const open = openAttempt(step);
    if (!terminal) {
      if (open) step.interrupted = true;
      // Not resumed yet: the process stopped at the journal's last entry.
      if (view.state === "running" && isStop(view.lastEventType)) {
        if (open) open.endedAt = Math.max(open.startedAt, view.lastEventAt);
      }
      continue;
    }
    // The rollback ended without this step ending: it did not complete.
    delete step.retryAt;
    if (open) {
      open.outcome = "interrupted";
      step.status = "cancelled";
    } else {
      step.status = "failed";
    }
  }
  view.interruptedSteps = view.steps.filter((s) => s.interrupted).map((s) => s.id);
  const last = view.interruptions[view.interruptions.length - 1];
  if (!terminal && view.state === "running" && (last === undefined || last.at < view.lastEventAt)) {
    // Only a Ctrl-C is certain here; a journal that just ends may belong to a rollback still running.
    if (isStop(view.lastEventType)) view.interruptions.push({ at: view.lastEventAt, how: "stopped" });
  }
}

function isStop(type: string | undefined): boolean {
  return type === "step-cancelled";
}
