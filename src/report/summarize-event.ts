/** The one-line summary of a journal event used by report timelines. */
import { isBlind } from "../core/executor/monitor.js";
import type { JournalEventData } from "../core/journal-events.js";
import { formatDuration, formatErrorShort, isoTime, listOrNone, oneLine, shortHash } from "./format.js";

export function summarizeEvent(event: JournalEventData): string {
  switch (event.type) {
    case "queued":
      return `plan ${shortHash(event.plan.hash)}: ${countSteps(event.plan.steps.length)} across ${countComponents(event.plan.steps.map((s) => s.component))}, requested by ${event.requestedBy}`;
    case "started":
      return `by ${event.holder.host} pid ${event.holder.pid} (epoch ${event.epoch}), deadline ${isoTime(event.deadlineAt)}`;
    case "resumed":
      return `by ${event.holder.host} pid ${event.holder.pid} (epoch ${event.epoch}), interrupted steps: ${listOrNone(event.interruptedSteps)}`;
    case "gate-waiting":
      return `data-loss steps ${listOrNone(event.steps)} await confirmation of plan ${shortHash(event.planHash)}`;
    case "gate-approved":
      return `plan ${shortHash(event.planHash)} approved by ${event.by} via ${event.via}`;
    case "step-started":
      return `${event.stepId} (attempt ${event.attempt})`;
    case "step-verified":
      return `${event.stepId} ${event.reached ? "target already reached" : "target not reached"}`;
    case "step-process":
      return `${event.stepId} (attempt ${event.attempt}) runs process group ${event.pgid} on ${event.host}`;
    case "step-processes-ended":
      return `${event.stepId}: ended process groups ${event.pgids.join(", ")} left by a process that died`;
    case "step-succeeded": {
      const skipped = event.skipped === "already-at-target" ? ", already at target" : "";
      return `${event.stepId} (attempt ${event.attempt}, ${formatDuration(event.durationMs)}${skipped})`;
    }
    case "step-failed": {
      const next = event.willRetry
        ? `retrying in ${formatDuration(event.retryInMs ?? 0)}`
        : "no further attempt";
      return `${event.stepId} (attempt ${event.attempt}, ${formatDuration(event.durationMs)}): ${formatErrorShort(event.error)}; ${next}`;
    }
    case "step-cancelled":
      return `${event.stepId} (attempt ${event.attempt}): ${oneLine(event.reason)}`;
    case "deadline-passed":
      return `deadline ${isoTime(event.deadlineAt)} passed`;
    case "emergency-started":
      return `emergency procedure: ${listOrNone(event.steps)}`;
    case "emergency-step":
      return event.ok
        ? `${event.name} ok`
        : `${event.name} failed${event.error ? `: ${formatErrorShort(event.error)}` : ""}`;
    case "emergency-finished":
      return "emergency procedure finished";
    case "escalated":
      return `${oneLine(event.reason)}; failed: ${listOrNone(event.failedSteps)}; done: ${listOrNone(event.done)}; not done: ${listOrNone(event.notDone)}`;
    case "escalation-hook":
      return event.ok
        ? "escalation channel notified"
        : `escalation channel not notified${event.error ? `: ${formatErrorShort(event.error)}` : ""}`;
    case "finished":
      return event.reason === undefined ? event.state : `${event.state}: ${oneLine(event.reason)}`;
    case "validation":
      return `${event.result.name}: ${event.result.status} (${oneLine(event.result.detail)})`;
    case "monitor-sample": {
      const figure = isBlind(event.results) ? "n/a (no check could be judged)" : event.errorRate.toFixed(2);
      return `failing checks ${figure} (threshold ${event.threshold})${event.aborted ? ": aborting" : ""}${event.runningSteps ? `; ${event.runningSteps.join(", ")} already running, allowed to finish` : ""}`;
    }
    case "monitor-blind":
      return event.message;
    case "notification": {
      const failed = `${event.pending ? "not delivered yet" : "failed"}${event.error ? `: ${formatErrorShort(event.error)}` : ""}`;
      return `${event.channel} told "${event.about}": ${event.ok ? "delivered" : failed}`;
    }
  }
}

function countSteps(n: number): string {
  return n === 1 ? "1 step" : `${n} steps`;
}

function countComponents(names: string[]): string {
  const n = new Set(names).size;
  return n === 1 ? "1 component" : `${n} components`;
}
