import type { SerializedError } from "./errors.js";
import type { CheckResult, Plan, RollbackState } from "./model.js";

/** Which process holds (or held) a rollback. */
export interface Holder {
  /** Random per process; the lock and the queue recognise their holder by it. */
  token: string;
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux): a reused pid is not this holder. */
  startTicks?: number;
}

/**
 * The rollback runs a saved plan (`run --plan FILE`): the file and when it was saved. Such a
 * rollback starts its first step only once every component is shown to be still in the plan's
 * starting state (PLAN_DRIFTED otherwise), also when it starts after an approval.
 */
export interface SavedPlanOrigin {
  file: string;
  savedAt: string;
}

/**
 * The journal is append-only and is the source of truth of a rollback: its state,
 * resume, status and reports are all folded from these events.
 */
export type JournalEventData =
  | { type: "queued"; plan: Plan; requestedBy: string; savedPlan?: SavedPlanOrigin }
  /**
   * The first step may run from now on (the time limit starts). `by`: who let it start when
   * that was not its requester's own run: the approver or resumer continuing it after the gate.
   */
  | { type: "started"; holder: Holder; epoch: number; deadlineAt: number; by?: string }
  /** `by`: who asked for the resume, when known (a `backout serve` token's name). */
  | { type: "resumed"; holder: Holder; epoch: number; interruptedSteps: string[]; by?: string }
  | { type: "gate-waiting"; planHash: string; steps: string[] }
  | { type: "gate-approved"; planHash: string; by: string; via: "prompt" | "flag" | "approve" }
  | { type: "step-started"; stepId: string; attempt: number }
  | { type: "step-verified"; stepId: string; reached: boolean }
  /**
   * A program of a step's apply, journalled before it is let run: its process group and the
   * leader's start time. A later process can find and end the tree if this one dies.
   */
  | {
      type: "step-process";
      stepId: string;
      attempt: number;
      pgid: number;
      startTicks?: number;
      host: string;
      startedAt: number;
    }
  /** A resumed rollback found processes of a dead holder's step still running and ended them. */
  | { type: "step-processes-ended"; stepId: string; pgids: number[] }
  | {
      type: "step-succeeded";
      stepId: string;
      attempt: number;
      durationMs: number;
      /** "already-at-target" when verify() said the target was reached and apply was not run. */
      skipped?: "already-at-target";
      output?: string;
    }
  | {
      type: "step-failed";
      stepId: string;
      attempt: number;
      durationMs: number;
      error: SerializedError;
      willRetry: boolean;
      retryInMs?: number;
    }
  | { type: "step-cancelled"; stepId: string; attempt: number; reason: string }
  | { type: "deadline-passed"; deadlineAt: number }
  | { type: "emergency-started"; steps: string[] }
  /** `index`: the step's place in policies.emergency (older journals lack it). */
  | { type: "emergency-step"; name: string; index?: number; ok: boolean; error?: SerializedError }
  | { type: "emergency-finished" }
  | {
      type: "escalated";
      reason: string;
      failedSteps: string[];
      done: string[];
      notDone: string[];
      /** How the rollback ends once the hook ran: escalated (steps, monitor) or failed (validation). */
      finalState?: "escalated" | "failed";
    }
  | { type: "escalation-hook"; ok: boolean; error?: SerializedError }
  /** One check of the validation that follows the steps (health, metric, integrity, command). */
  | { type: "validation"; result: CheckResult }
  /** One sample of the live monitor: the signals and the share of them failing. */
  | {
      type: "monitor-sample";
      results: CheckResult[];
      /** The share of failing checks (failing / all), whatever the field's old name says. */
      errorRate: number;
      threshold: number;
      aborted: boolean;
      /** Steps already running when this sample stopped dispatching: they were allowed to finish. */
      runningSteps?: string[];
    }
  /**
   * The live monitor could not judge its checks (every result "error") for `blind` of the
   * `samples` taken so far; journalled once per rollback run, when it first happens.
   */
  | {
      type: "monitor-blind";
      blind: number;
      samples: number;
      action: "continue" | "pause" | "abort";
      message: string;
      runningSteps?: string[];
    }
  /**
   * A notification delivery attempt, written by whichever process delivered it (possibly after
   * the rollback ended); a failing one never fails the rollback. `pending`: not delivered yet,
   * it stays in the outbox and a later backout command tries again with the same `webhookId`.
   */
  | {
      type: "notification";
      channel: string;
      about: string;
      ok: boolean;
      error?: SerializedError;
      webhookId?: string;
      attempt?: number;
      pending?: boolean;
    }
  | {
      type: "finished";
      state: Exclude<RollbackState, "queued" | "running" | "awaiting-confirmation">;
      reason?: string;
    };

export type JournalEventType = JournalEventData["type"];

export interface JournalEntry<T extends JournalEventData = JournalEventData> {
  rollbackId: string;
  /** 1-based, gap-free per rollback. */
  seq: number;
  /** Milliseconds since the epoch, from the engine's clock. */
  at: number;
  event: T;
}

/** The rollback state implied by an event, if the event changes it. */
export function stateAfter(event: JournalEventData): RollbackState | undefined {
  switch (event.type) {
    case "queued":
      return "queued";
    case "started":
    case "resumed":
    case "gate-approved":
      return "running";
    case "gate-waiting":
      return "awaiting-confirmation";
    case "finished":
      return event.state;
    default:
      return undefined;
  }
}
