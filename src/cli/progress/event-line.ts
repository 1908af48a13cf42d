/**
 * Short plain lines for the events that are not progress (failures, retries, the gate,
 * escalation, the deadline). Each starts with a step id (which starts with its component),
 * a ✖ and a step id for failures, or "rollback".
 */
import type { JournalEntry } from "../../core/journal-events.js";
import {
  formatDuration,
  formatErrorShort,
  isoTime,
  listOrNone,
  oneLine,
  shortHash,
} from "../../report/format.js";

export interface EventLineOptions {
  /** Shown as "attempt n/max" when known. */
  maxAttempts?: number;
}

/** A message that may span lines: every line kept (bounded to the last 4000 characters), continuations indented. */
export function indentedMessage(text: string, max = 4000): string {
  const bounded = text.length > max ? `…${text.slice(-max)}` : text;
  return bounded
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== "")
    .join("\n    ");
}

/** The line for an event, or undefined for the events the progress line already covers. */
export function formatEventLine(entry: JournalEntry, options: EventLineOptions = {}): string | undefined {
  const { event } = entry;
  const attempt = (n: number) =>
    options.maxAttempts === undefined ? `attempt ${n}` : `attempt ${n}/${options.maxAttempts}`;
  switch (event.type) {
    case "queued":
      return `rollback ${entry.rollbackId} queued: ${event.plan.steps.length} step(s), plan ${shortHash(event.plan.hash)}`;
    case "started":
      return `rollback started; must finish by ${isoTime(event.deadlineAt)} (in ${formatDuration(event.deadlineAt - entry.at)})`;
    case "resumed":
      return `rollback resumed; re-checking interrupted steps: ${listOrNone(event.interruptedSteps)}`;
    case "gate-waiting":
      return `rollback paused: ${listOrNone(event.steps)} may lose data; confirm plan ${shortHash(event.planHash)} with \`backout approve ${entry.rollbackId} --plan-hash ${shortHash(event.planHash)}\``;
    case "gate-approved":
      return `rollback data-loss gate approved by ${event.by} via ${event.via}`;
    case "step-started":
    case "step-succeeded":
      return undefined;
    case "step-verified":
      return `${event.stepId} ${event.reached ? "already at target, not re-run" : "not at target, will run"}`;
    case "step-failed": {
      const next = event.willRetry ? `retrying in ${formatDuration(event.retryInMs ?? 0)}` : "giving up";
      // The whole message, continuation lines indented: the reason is often the last line of a
      // tool's output (nginx -t names the file and line there), so cutting it hides the cause.
      return `✖ ${event.stepId} failed (${attempt(event.attempt)}): ${indentedMessage(event.error.message)}; ${next}`;
    }
    case "step-cancelled":
      return `✖ ${event.stepId} cancelled (${attempt(event.attempt)}): ${oneLine(event.reason, 200)}`;
    case "deadline-passed":
      return `rollback deadline ${isoTime(event.deadlineAt)} passed: no new steps, running steps cancelled`;
    case "emergency-started":
      return `rollback emergency procedure started: ${listOrNone(event.steps)}`;
    case "emergency-step":
      return event.ok
        ? `rollback emergency step ${event.name} ok`
        : `rollback emergency step ${event.name} failed${event.error ? `: ${formatErrorShort(event.error, 200)}` : ""}`;
    case "emergency-finished":
      return "rollback emergency procedure finished";
    case "escalated":
      return `rollback escalated: ${oneLine(event.reason, 200)} (failed: ${listOrNone(event.failedSteps)}; done ${event.done.length}, not done ${event.notDone.length})`;
    case "escalation-hook":
      return event.ok
        ? "rollback escalation channel notified"
        : `rollback escalation channel NOT notified${event.error ? `: ${formatErrorShort(event.error, 200)}` : ""}`;
    case "finished":
      return `rollback ${event.state}${event.reason === undefined ? "" : `: ${oneLine(event.reason, 200)}`}`;
    case "monitor-blind":
      return `rollback warning: ${oneLine(event.message, 300)}`;
  }
}
