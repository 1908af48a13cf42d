/**
 * What the reports (and `show --json`) read straight from the journal because the RollbackView
 * does not keep it: validation results, monitor samples, notifications, and every gate wait as a span.
 */
import type { SerializedError } from "../core/errors.js";
import type { JournalEntry, JournalEventData } from "../core/journal-events.js";
import type { CheckResult } from "../core/model.js";
import { isBlind } from "../core/executor/monitor.js";

type EventOf<T extends JournalEventData["type"]> = Extract<JournalEventData, { type: T }>;

export interface ValidationRecord {
  at: number;
  result: CheckResult;
}

export interface MonitorSample {
  at: number;
  /** The share of failing checks (failing / all). Meaningless when `blind`: shown as n/a. */
  errorRate: number;
  /** No check of the sample could be judged (all `error`): it says nothing about the system. */
  blind: boolean;
  /** Steps already running when this sample stopped dispatching (they were allowed to finish). */
  runningSteps?: string[];
  threshold: number;
  aborted: boolean;
  results: CheckResult[];
}

export interface NotificationRecord {
  at: number;
  channel: string;
  about: string;
  ok: boolean;
  error?: SerializedError;
  webhookId?: string;
  /** Not delivered yet: it stays in the outbox and a later backout command tries again. */
  pending?: boolean;
}

export interface GateWait {
  from: number;
  /** Undefined while still waiting (or when the journal ends first). */
  to?: number;
  steps: string[];
  outcome: "approved" | "refused" | "open";
}

export interface JournalExtras {
  validations: ValidationRecord[];
  samples: MonitorSample[];
  notifications: NotificationRecord[];
  gateWaits: GateWait[];
}

/** `ordered` must be one rollback's entries in seq order (journalOrder). */
export function journalExtras(ordered: readonly JournalEntry[]): JournalExtras {
  const out: JournalExtras = { validations: [], samples: [], notifications: [], gateWaits: [] };
  let open: GateWait | undefined;
  for (const { at, event } of ordered) {
    switch (event.type) {
      case "validation":
        out.validations.push({ at, result: event.result });
        break;
      case "monitor-sample":
        out.samples.push(sampleOf(at, event));
        break;
      case "notification":
        out.notifications.push({
          at,
          channel: event.channel,
          about: event.about,
          ok: event.ok,
          ...(event.error ? { error: event.error } : {}),
          ...(event.webhookId ? { webhookId: event.webhookId } : {}),
          ...(event.pending ? { pending: true } : {}),
        });
        break;
      case "gate-waiting":
        // A second wait (after a resume) replaces an unanswered first one.
        if (open) open.to = at;
        open = { from: at, steps: [...event.steps], outcome: "open" };
        out.gateWaits.push(open);
        break;
      case "gate-approved":
        if (open) {
          open.to = at;
          open.outcome = "approved";
          open = undefined;
        }
        break;
      case "finished":
        if (open) open.to = at;
        open = undefined;
        break;
      default:
        break;
    }
  }
  return out;
}

function sampleOf(at: number, event: EventOf<"monitor-sample">): MonitorSample {
  return {
    at,
    errorRate: finite(event.errorRate),
    blind: isBlind(event.results),
    threshold: finite(event.threshold),
    aborted: event.aborted,
    results: event.results,
    ...(event.runningSteps && event.runningSteps.length > 0 ? { runningSteps: event.runningSteps } : {}),
  };
}

/** A damaged row must not break the chart's arithmetic. */
function finite(n: number): number {
  return Number.isFinite(n) ? n : 0;
}

/** The messages whose last journalled attempt did not deliver them (one record each, by webhook id). */
export function undeliveredNotifications(extras: JournalExtras): NotificationRecord[] {
  const last = new Map<string, NotificationRecord>();
  for (const n of extras.notifications) last.set(n.webhookId ?? `${n.channel}\n${n.about}`, n);
  return [...last.values()].filter((n) => !n.ok);
}

/** "7 of 8 samples" when some samples were blind, else undefined. */
export function blindShare(samples: readonly MonitorSample[]): string | undefined {
  const blind = samples.filter((s) => s.blind).length;
  return blind === 0 ? undefined : `${blind} of ${samples.length} samples`;
}

/** The sample's figure as reports print it: the share of failing checks, or n/a when blind. */
export function failingShareText(sample: Pick<MonitorSample, "blind" | "errorRate">, digits = 2): string {
  return sample.blind ? "n/a" : sample.errorRate.toFixed(digits);
}
