/**
 * One rollback as the dashboard shows it live: the folded journal, the CLI's progress line
 * (same tracker and wording) and the HTML report's timeline SVG, all built here from the
 * journal so the browser only places them (no second reading of journal events in JS).
 */
import { ProgressTracker } from "../../cli/progress/progress-tracker.js";
import { formatProgressLine } from "../../cli/progress/progress-line.js";
import type { JournalEntry } from "../../core/journal-events.js";
import { journalOrder, foldJournal } from "../../report/fold-journal.js";
import { journalExtras } from "../../report/journal-extras.js";
import { renderTimelineSvg } from "../../report/html/timeline-svg.js";
import type { RollbackView } from "../../report/rollback-view.js";

export interface LiveRollback {
  rollback: RollbackView;
  progress: { line: string; component: string; done: number; total: number; percent: number };
  /** Inline SVG; every text in it is escaped by the report's renderer. */
  timeline: string;
}

export function liveRollback(id: string, entries: JournalEntry[]): LiveRollback {
  const view = foldJournal(id, entries);
  const ordered = journalOrder(id, entries);
  const tracker = new ProgressTracker(view.plan);
  for (const e of ordered) tracker.record(e);
  const snap = tracker.snapshot();
  const component = currentComponent(view);
  return {
    rollback: view,
    progress: {
      ...snap,
      component,
      line: formatProgressLine(component, snap.done, snap.total, snap.percent),
    },
    timeline: renderTimelineSvg(view, journalExtras(ordered)),
  };
}

/** What "Rolling Back:" names: a running step's component, else the last one started, else the first. */
function currentComponent(view: RollbackView): string {
  const running = view.steps.find((s) => s.status === "running");
  if (running) return running.component;
  let last: { at: number; component: string } | undefined;
  for (const s of view.steps) {
    for (const a of s.attempts)
      if (!last || a.startedAt >= last.at) last = { at: a.startedAt, component: s.component };
  }
  return last?.component ?? view.steps[0]?.component ?? "-";
}
