/**
 * The machine-readable report of a rollback. Every key is always present (null when
 * unknown) and times are ISO strings, so scripts and diffs can rely on the shape.
 */
import type { SerializedError } from "../core/errors.js";
import type { JournalEntry } from "../core/journal-events.js";
import type { RollbackState, StepPhase } from "../core/model.js";
import { isoTime } from "./format.js";
import type { AttemptOutcome, RollbackView, StepStatus, StepView } from "./rollback-view.js";
import { journalOrder } from "./fold-journal.js";
import { summarizeEvent } from "./summarize-event.js";
import { rollbackDurationMs, stepDurationMs, timelineOrigin } from "./view-metrics.js";

export interface JsonReportAttempt {
  attempt: number;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  outcome: AttemptOutcome;
  error: SerializedError | null;
  reason: string | null;
}

export interface JsonReportStep {
  id: string;
  component: string;
  action: string;
  description: string;
  phase: StepPhase;
  dataLoss: boolean;
  status: StepStatus;
  /** Sum of the attempts' durations. */
  durationMs: number | null;
  verifiedAfterCrash: boolean | null;
  interrupted: boolean;
  attempts: JsonReportAttempt[];
}

export interface JsonReport {
  formatVersion: 1;
  id: string;
  environment: string;
  checkpoint: { id: string; name: string; createdAt: string };
  planHash: string;
  requestedBy: string;
  state: RollbackState;
  endReason: string | null;
  times: {
    created: string;
    started: string | null;
    deadline: string | null;
    finished: string | null;
    /** From start to finish, or to the last event while the rollback is not finished. */
    durationMs: number | null;
  };
  components: { name: string; kind: string; layer: string; from: string; to: string; reason: string }[];
  steps: JsonReportStep[];
  gate: {
    required: boolean;
    waitingSince: string | null;
    waitingSteps: string[];
    decisions: {
      at: string;
      type: "approved" | "refused";
      by: string | null;
      via: string | null;
      planHash: string;
      reason: string | null;
    }[];
  };
  escalation: {
    at: string;
    reason: string;
    failedSteps: string[];
    done: string[];
    notDone: string[];
    hookOk: boolean | null;
  } | null;
  emergency: {
    startedAt: string;
    planned: string[];
    steps: { at: string; name: string; ok: boolean; error: SerializedError | null }[];
    finished: boolean;
    finishedAt: string | null;
  } | null;
  deadlinePassedAt: string | null;
  resumes: { at: string; epoch: number; interruptedSteps: string[] }[];
  timeline: { at: string; offsetMs: number; seq: number; type: string; summary: string }[];
}

export function buildJsonReport(view: RollbackView, entries: JournalEntry[]): JsonReport {
  const plan = view.plan;
  const origin = timelineOrigin(view);
  return {
    formatVersion: 1,
    id: view.id,
    environment: view.environment,
    checkpoint: {
      id: plan.checkpoint.id,
      name: plan.checkpoint.name,
      createdAt: isoTime(plan.checkpoint.createdAt),
    },
    planHash: plan.hash,
    requestedBy: view.requestedBy,
    state: view.state,
    endReason: view.endReason ?? null,
    times: {
      created: isoTime(view.createdAt),
      started: optionalIso(view.startedAt),
      deadline: optionalIso(view.deadlineAt),
      finished: optionalIso(view.finishedAt),
      durationMs: rollbackDurationMs(view) ?? null,
    },
    components: plan.components.map((c) => ({
      name: c.name,
      kind: c.kind,
      layer: c.layer,
      from: c.from.version,
      to: c.to.version,
      reason: c.reason,
    })),
    steps: view.steps.map(jsonStep),
    gate: {
      required: view.gate.required,
      waitingSince: optionalIso(view.gate.waitingSince),
      waitingSteps: view.gate.waitingSteps,
      decisions: view.gate.decisions.map((d) => ({
        at: isoTime(d.at),
        type: d.type,
        by: d.by ?? null,
        via: d.via ?? null,
        planHash: d.planHash,
        reason: d.reason ?? null,
      })),
    },
    escalation: view.escalation
      ? {
          at: isoTime(view.escalation.at),
          reason: view.escalation.reason,
          failedSteps: view.escalation.failedSteps,
          done: view.escalation.done,
          notDone: view.escalation.notDone,
          hookOk: view.escalation.hookOk ?? null,
        }
      : null,
    emergency: view.emergency
      ? {
          startedAt: isoTime(view.emergency.startedAt),
          planned: view.emergency.planned,
          steps: view.emergency.steps.map((s) => ({
            at: isoTime(s.at),
            name: s.name,
            ok: s.ok,
            error: s.error ?? null,
          })),
          finished: view.emergency.finished,
          finishedAt: optionalIso(view.emergency.finishedAt),
        }
      : null,
    deadlinePassedAt: optionalIso(view.deadlinePassedAt),
    resumes: view.resumes.map((r) => ({
      at: isoTime(r.at),
      epoch: r.epoch,
      interruptedSteps: r.interruptedSteps,
    })),
    timeline: journalOrder(view.id, entries).map((e) => ({
      at: isoTime(e.at),
      offsetMs: e.at - origin,
      seq: e.seq,
      type: e.event.type,
      summary: summarizeEvent(e.event),
    })),
  };
}

function jsonStep(step: StepView): JsonReportStep {
  return {
    id: step.id,
    component: step.component,
    action: step.action,
    description: step.description,
    phase: step.phase,
    dataLoss: step.dataLoss,
    status: step.status,
    durationMs: stepDurationMs(step) ?? null,
    verifiedAfterCrash: step.verifiedAfterCrash ?? null,
    interrupted: step.interrupted === true,
    attempts: step.attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: isoTime(a.startedAt),
      endedAt: optionalIso(a.endedAt),
      durationMs: a.durationMs ?? null,
      outcome: a.outcome,
      error: a.error ?? null,
      reason: a.reason ?? null,
    })),
  };
}

function optionalIso(ms: number | undefined): string | null {
  return ms === undefined ? null : isoTime(ms);
}
