/** Live output of a rollback, fed with journal entries as the engine writes them. */
import type { JournalEntry } from "../../core/journal-events.js";
import type { Plan } from "../../core/model.js";
import { JsonProgressRenderer } from "./json-renderer.js";
import { LinesProgressRenderer } from "./lines-renderer.js";
import { TtyProgressRenderer } from "./tty-renderer.js";

export interface ProgressRenderer {
  onEvent(entry: JournalEntry): void;
  /** Flushes and stops; safe to call more than once. */
  close(): Promise<void> | void;
}

export type ProgressMode = "tty" | "lines" | "json";

export interface ProgressOptions {
  /** The attempt limit, so failures read "attempt 1/3"; omitted, they read "attempt 1". */
  maxAttempts?: number;
  /**
   * The journal written before this process took over (a resumed rollback): steps done then
   * count as done now, so the progress ends at the real totals instead of the resumed share.
   */
  history?: readonly JournalEntry[];
}

export function createProgressRenderer(
  mode: ProgressMode,
  out: NodeJS.WritableStream,
  plan: Plan,
  options: ProgressOptions = {},
): ProgressRenderer {
  switch (mode) {
    case "tty":
      return new TtyProgressRenderer(out, plan, options);
    case "lines":
      return new LinesProgressRenderer(out, plan, options);
    case "json":
      return new JsonProgressRenderer(out);
  }
}
