import type { JournalEntry, SavedPlanOrigin } from "../journal-events.js";
import { journalOrder, queuedStart } from "../journal-start.js";
import type { Plan } from "../model.js";

export interface StepGroup {
  pgid: number;
  startTicks?: number;
  host: string;
}

export interface StepProgress {
  succeeded: boolean;
  /** Attempts started so far (an attempt cut off by a crash counts). */
  attempts: number;
  /**
   * Attempts that ended in a recorded failure: what the retry budget counts. An attempt cut off
   * (a crash, a cancel) is recorded as a failure once a resume finds its target not reached.
   */
  failures: number;
  /** The last recorded failure could not be retried (it spends the whole budget). */
  lastFailureFinal: boolean;
  /** Started and never ended: the process died or was cancelled mid-step. */
  inFlight: boolean;
  /** The last attempt ended without an outcome (in flight at a crash, or cancelled). */
  cutOff: boolean;
  /** The last attempt journalled a program it started (so that program may have run). */
  announced: boolean;
  /** Process groups journalled by the attempt in flight (empty once it ended). */
  groups: StepGroup[];
}

/** The escalation recorded in the journal, with the seq that keys its hook. */
export interface RecordedEscalation {
  seq: number;
  reason: string;
  failedSteps: string[];
  done: string[];
  notDone: string[];
  finalState: "escalated" | "failed";
}

/** What the executor needs to know to continue a rollback, folded from its journal. */
export interface ExecutionState {
  plan: Plan;
  /** Set when the rollback runs a saved plan: its starting state is checked before the first step. */
  savedPlan: SavedPlanOrigin | undefined;
  startedAt: number | undefined;
  deadlineAt: number | undefined;
  approvedHash: string | undefined;
  gateWaiting: boolean;
  /** The seq of "emergency-started": with the rollback id, the key of the emergency hooks. */
  emergencySeq: number | undefined;
  /** Emergency steps that ran to an outcome (by index), and whether the procedure finished. */
  emergencyDone: Set<string>;
  emergencyFinished: boolean;
  escalation: RecordedEscalation | undefined;
  /** True once the escalation hook's outcome is journalled: it is not run again. */
  escalationHookRan: boolean;
  finished: boolean;
  steps: Map<string, StepProgress>;
}

/** A step whose retry budget is spent may never be dispatched again, across any number of restarts. */
export function exhausted(step: StepProgress, maxAttempts: number): boolean {
  return !step.succeeded && (step.failures >= maxAttempts || step.lastFailureFinal);
}

export function readExecutionState(rollbackId: string, journal: JournalEntry[]): ExecutionState {
  const entries = journalOrder(rollbackId, journal);
  const first = queuedStart(rollbackId, entries).event;
  const plan = first.plan;
  const state: ExecutionState = {
    plan,
    savedPlan: first.savedPlan,
    startedAt: undefined,
    deadlineAt: undefined,
    approvedHash: undefined,
    gateWaiting: false,
    emergencySeq: undefined,
    emergencyDone: new Set(),
    emergencyFinished: false,
    escalation: undefined,
    escalationHookRan: false,
    finished: false,
    steps: new Map(
      plan.steps.map((s) => [
        s.id,
        {
          succeeded: false,
          attempts: 0,
          failures: 0,
          lastFailureFinal: false,
          inFlight: false,
          cutOff: false,
          announced: false,
          groups: [],
        },
      ]),
    ),
  };
  for (const { at, seq, event } of entries) {
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
          step.cutOff = true;
          step.announced = false;
          step.groups = [];
        }
        break;
      case "step-process":
        if (step) step.announced = true;
        step?.groups.push({
          pgid: event.pgid,
          host: event.host,
          ...(event.startTicks === undefined ? {} : { startTicks: event.startTicks }),
        });
        break;
      case "step-processes-ended":
        if (step) step.groups = [];
        break;
      case "step-succeeded":
        if (step) Object.assign(step, { succeeded: true, inFlight: false, cutOff: false, groups: [] });
        break;
      case "step-failed":
        if (step) {
          step.failures += 1;
          // A failure not retried although budget was left (a deadline, Ctrl-C) does not end the step.
          step.lastFailureFinal = event.error.retryable !== true;
          Object.assign(step, { inFlight: false, cutOff: false, groups: [] });
        }
        break;
      case "step-cancelled":
        if (step) Object.assign(step, { inFlight: false, groups: [] });
        break;
      case "emergency-started":
        state.emergencySeq = seq;
        break;
      case "emergency-step":
        state.emergencyDone.add(event.index === undefined ? event.name : String(event.index));
        break;
      case "emergency-finished":
        state.emergencyFinished = true;
        break;
      case "escalated":
        state.escalation = {
          seq,
          reason: event.reason,
          failedSteps: event.failedSteps,
          done: event.done,
          notDone: event.notDone,
          finalState: event.finalState ?? "escalated",
        };
        break;
      case "escalation-hook":
        state.escalationHookRan = true;
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
