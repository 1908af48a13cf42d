/** Plain lines for logs and CI: the progress line on each step start and success, short lines for the rest. */
import type { JournalEntry } from "../../core/journal-events.js";
import type { Plan } from "../../core/model.js";
import { formatEventLine } from "./event-line.js";
import { formatProgressLine } from "./progress-line.js";
import type { ProgressOptions, ProgressRenderer } from "./progress-renderer.js";
import { ProgressTracker } from "./progress-tracker.js";

export class LinesProgressRenderer implements ProgressRenderer {
  private readonly tracker: ProgressTracker;
  private closed = false;
  /** The counts of the last progress line printed, so the final one is printed when they moved since. */
  private lastCounts = "";
  private lastComponent: string | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream,
    plan: Plan,
    private readonly options: ProgressOptions = {},
  ) {
    this.tracker = new ProgressTracker(plan);
    for (const e of options.history ?? []) this.record(e);
  }

  private record(entry: JournalEntry): void {
    this.tracker.record(entry);
    const { event } = entry;
    if (event.type === "step-started" || event.type === "step-succeeded" || event.type === "step-verified") {
      this.lastComponent = this.tracker.step(event.stepId)?.component ?? this.lastComponent;
    }
  }

  onEvent(entry: JournalEntry): void {
    if (this.closed) return;
    this.record(entry);
    // The last progress line before "rollback succeeded" shows the final counts, even when the
    // last steps were only verified (already at target) after a resume.
    if (entry.event.type === "finished" && this.lastComponent !== undefined) {
      const final = this.progressLine(this.lastComponent);
      if (final !== undefined) this.out.write(`${final}\n`);
    }
    const line = this.lineFor(entry);
    if (line !== undefined) this.out.write(`${line}\n`);
  }

  close(): void {
    this.closed = true;
  }

  private lineFor(entry: JournalEntry): string | undefined {
    const { event } = entry;
    if (event.type === "step-started" || event.type === "step-succeeded") {
      const step = this.tracker.step(event.stepId);
      // A step the plan does not know cannot be counted; say so instead of guessing.
      if (!step)
        return `${event.stepId} ${event.type === "step-started" ? "started" : "succeeded"} (not in the plan)`;
      this.lastCounts = "";
      return this.progressLine(step.component);
    }
    return formatEventLine(entry, this.options);
  }

  /** The progress line for `component`, or undefined when it would repeat the counts last printed. */
  private progressLine(component: string): string | undefined {
    const { done, total, percent } = this.tracker.snapshot();
    const counts = `${done}/${total}/${percent}`;
    if (counts === this.lastCounts) return undefined;
    this.lastCounts = counts;
    this.lastComponent = component;
    return formatProgressLine(component, done, total, percent);
  }
}
