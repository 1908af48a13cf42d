/** One JSON object per line (the journal entry itself), for scripts following a rollback. */
import type { JournalEntry } from "../../core/journal-events.js";
import type { ProgressRenderer } from "./progress-renderer.js";

export class JsonProgressRenderer implements ProgressRenderer {
  private closed = false;

  constructor(private readonly out: NodeJS.WritableStream) {}

  onEvent(entry: JournalEntry): void {
    if (this.closed) return;
    this.out.write(`${JSON.stringify(compactEntry(entry))}\n`);
  }

  close(): void {
    this.closed = true;
  }
}

/** The queued event carries the whole plan; a line only needs to say which plan it was. */
export function compactEntry(entry: JournalEntry): unknown {
  const { event } = entry;
  if (event.type !== "queued") return entry;
  return {
    ...entry,
    event: { ...event, plan: { hash: event.plan.hash, steps: event.plan.steps.length } },
  };
}
