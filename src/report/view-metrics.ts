/** Derived numbers both reports show, computed once so JSON and Markdown agree. */
import { formatErrorShort, oneLine } from "./format.js";
import type { RollbackView, StepView } from "./rollback-view.js";

/** Sum of the attempts' recorded durations; undefined when no attempt has ended. */
export function stepDurationMs(step: StepView): number | undefined {
  const ended = step.attempts.filter((a) => a.durationMs !== undefined);
  if (ended.length === 0) return undefined;
  return ended.reduce((sum, a) => sum + (a.durationMs ?? 0), 0);
}

/** Start to finish; while unfinished, start to the last event (how long it has run so far). */
export function rollbackDurationMs(view: RollbackView): number | undefined {
  if (view.startedAt === undefined) return undefined;
  return (view.finishedAt ?? view.lastEventAt) - view.startedAt;
}

/** Timeline offsets count from the start; a rollback that never started counts from its creation. */
export function timelineOrigin(view: RollbackView): number {
  return view.startedAt ?? view.createdAt;
}

/** The error of a step's last failed attempt, or why its last attempt was cancelled or cut off. */
export function lastProblem(step: StepView): string | undefined {
  for (let i = step.attempts.length - 1; i >= 0; i--) {
    const a = step.attempts[i];
    if (!a) continue;
    if (a.error) return formatErrorShort(a.error);
    if (a.outcome === "cancelled") return `cancelled: ${oneLine(a.reason ?? "")}`;
    if (a.outcome === "interrupted") return "interrupted (no result recorded)";
  }
  return undefined;
}
