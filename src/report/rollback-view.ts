/**
 * The read model of one rollback, folded from its journal. status, show, reports and
 * resume all read this shape, so none of them interprets journal events on its own.
 */
import type { SerializedError } from "../core/errors.js";
import type { Plan, RollbackState, StepPhase } from "../core/model.js";

export type StepStatus = "pending" | "running" | "succeeded" | "failed" | "cancelled" | "skipped";

/**
 * "running": started, no end recorded yet. "interrupted": started, then the process went
 * away (a later "resumed" event, or the rollback ended without this attempt ending).
 */
export type AttemptOutcome = "running" | "succeeded" | "skipped" | "failed" | "cancelled" | "interrupted";

export interface AttemptView {
  attempt: number;
  startedAt: number;
  endedAt?: number;
  durationMs?: number;
  outcome: AttemptOutcome;
  error?: SerializedError;
  /** Why the attempt was cancelled. */
  reason?: string;
  /** For failed attempts: whether the engine said it would try again. */
  willRetry?: boolean;
  retryInMs?: number;
}

export interface StepView {
  id: string;
  component: string;
  action: string;
  description: string;
  phase: StepPhase;
  dataLoss: boolean;
  status: StepStatus;
  attempts: AttemptView[];
  /** What verify() said when the step was checked after a restart. */
  verifiedAfterCrash?: boolean;
  /**
   * Started with no end while the rollback is not terminal: either running right now or
   * cut off by a crash. Only the lock (is the holder alive?) can tell which.
   */
  interrupted?: boolean;
  /** When a failed step waiting for its next attempt is due to be retried. */
  retryAt?: number;
  /** The provider's output of the succeeding attempt, if any. */
  output?: string;
}

export interface GateDecision {
  at: number;
  type: "approved" | "refused";
  by?: string;
  via?: "prompt" | "flag" | "approve";
  planHash: string;
  reason?: string;
}

export interface GateView {
  /** The plan may lose data, so a decision is needed before its data-loss steps run. */
  required: boolean;
  /** Set while the rollback is paused on the gate. */
  waitingSince?: number;
  /** The data-loss steps named by the last "gate-waiting" event. */
  waitingSteps: string[];
  decisions: GateDecision[];
}

export interface EscalationView {
  at: number;
  reason: string;
  failedSteps: string[];
  done: string[];
  notDone: string[];
  /** Whether the escalation channel was told; undefined until the hook reports. */
  hookOk?: boolean;
  hookError?: SerializedError;
}

export interface EmergencyStepView {
  at: number;
  name: string;
  ok: boolean;
  error?: SerializedError;
}

export interface EmergencyView {
  startedAt: number;
  /** The procedure's step names, as announced when it started. */
  planned: string[];
  steps: EmergencyStepView[];
  finished: boolean;
  finishedAt?: number;
}

export interface ResumeView {
  at: number;
  epoch: number;
  interruptedSteps: string[];
}

/** Where a process stopped working on the rollback: Ctrl-C (its steps were cancelled) or gone (a crash). */
export interface InterruptionView {
  /** The last journal entry of the process that stopped. */
  at: number;
  how: "stopped" | "lost";
}

export interface HolderView {
  at: number;
  via: "started" | "resumed";
  token: string;
  pid: number;
  host: string;
  epoch: number;
}

export interface RollbackView {
  id: string;
  environment: string;
  plan: Plan;
  requestedBy: string;
  state: RollbackState;
  createdAt: number;
  startedAt?: number;
  deadlineAt?: number;
  finishedAt?: number;
  endReason?: string;
  steps: StepView[];
  gate: GateView;
  escalation?: EscalationView;
  emergency?: EmergencyView;
  deadlinePassedAt?: number;
  resumes: ResumeView[];
  /** Each time a process stopped before the rollback ended (a resume followed, or none yet). */
  interruptions: InterruptionView[];
  holders: HolderView[];
  /** Ids of the steps marked `interrupted`, in plan order. */
  interruptedSteps: string[];
  lastSeq: number;
  lastEventAt: number;
  /** The type of the last journal entry (tells a Ctrl-C, which ends with cancelled steps, from a crash). */
  lastEventType?: string;
}
