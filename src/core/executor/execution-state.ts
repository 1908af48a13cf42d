import type { JournalEntry } from "../journal-events.js";
import type { Plan } from "../model.js";

export interface StepProgress {
  succeeded: boolean;
  /** Attempts started so far (an attempt cut off by a crash counts). */
  attempts: number;
  /** Attempts that ended in a recorded failure: what the retry budget counts. */
  failures: number;
  /** Started and never ended: the process died or was cancelled mid-step. */
  inFlight: boolean;
}

/** What the executor needs to know to continue a rollback, folded from its journal. */
export interface ExecutionState {
  plan: Plan;
  startedAt: number | undefined;
  deadlineAt: number | undefined;
  approvedHash: string | undefined;
  gateWaiting: boolean;
  emergencyStarted: boolean;
  escalated: boolean;
  finished: boolean;
  steps: Map<string, StepProgress>;
}

export function readExecutionState(entries: JournalEntry[]): ExecutionState {
  const first = entries[0]?.event;
  if (first?.type !== "queued") throw new Error("journal does not start with a queued event");
  const plan = first.plan;
  const state: ExecutionState = {
    plan,
    startedAt: undefined,
    deadlineAt: undefined,
    approvedHash: undefined,
    gateWaiting: false,
    emergencyStarted: false,
    escalated: false,
    finished: false,
    steps: new Map(
      plan.steps.map((s) => [s.id, { succeeded: false, attempts: 0, failures: 0, inFlight: false }]),
    ),
  };
  for (const { at, event } of entries) {
    const step = "stepId" in event ? state.steps.get(event.stepId) : undefined;
    switch (event.type) {
      case "started":
        state.startedAt = at;
        state.deadlineAt = event.deadlineAt;
        break;
      case "gate-waiting":
        state.gateWaiting = true;
        break;
      case "gate-approved":
        state.approvedHash = event.planHash;
        state.gateWaiting = false;
        break;
      case "step-started":
        if (step) {
          step.attempts = Math.max(step.attempts, event.attempt);
          step.inFlight = true;
        }
        break;
      case "step-succeeded":
        if (step) Object.assign(step, { succeeded: true, inFlight: false });
        break;
      case "step-failed":
        if (step) Object.assign(step, { failures: step.failures + 1, inFlight: false });
        break;
      case "step-cancelled":
        if (step) step.inFlight = false;
        break;
      case "emergency-started":
        state.emergencyStarted = true;
        break;
      case "escalated":
        state.escalated = true;
        break;
      case "finished":
        state.finished = true;
        break;
      default:
        break;
    }
  }
  return state;
}
