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

  constructor(
    private readonly out: NodeJS.WritableStream,
    plan: Plan,
    private readonly options: ProgressOptions = {},
  ) {
    this.tracker = new ProgressTracker(plan);
  }

  onEvent(entry: JournalEntry): void {
    if (this.closed) return;
    this.tracker.record(entry);
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
      const { done, total, percent } = this.tracker.snapshot();
      return formatProgressLine(step.component, done, total, percent);
    }
    return formatEventLine(entry, this.options);
  }
}
