import type { JournalEntry } from "../core/journal-events.js";
import { err } from "./output.js";

/** After SIGTERM, running steps get this long to finish before they are cancelled (below Docker's 10 s). */
export const TERM_GRACE_MS = 8000;

/**
 * Ctrl-C and SIGTERM for run, resume and approve. A first Ctrl-C (or SIGTERM) stops dispatching
 * and lets the running steps finish, so no step is left half done; a second Ctrl-C, or the end
 * of SIGTERM's grace, cancels them (the rollback stays resumable either way). Steps run in their
 * own process groups, so the terminal's Ctrl-C reaches backout only, never a step.
 */
export function stopSignals(): {
  drain: AbortSignal;
  abort: AbortSignal;
  track: (e: JournalEntry) => void;
  dispose: () => void;
} {
  const drain = new AbortController();
  const abort = new AbortController();
  const running = new Set<string>();
  let grace: NodeJS.Timeout | undefined;
  const track = ({ event }: JournalEntry) => {
    if (event.type === "step-started") running.add(event.stepId);
    if (event.type === "step-succeeded" || event.type === "step-failed" || event.type === "step-cancelled") {
      running.delete(event.stepId);
    }
  };
  const stopping = (how: string) =>
    `\nstopping after ${running.size} running step(s); no new step will start. ${how} ` +
    "Resume later with `backout resume`.";
  const onSigint = () => {
    if (!drain.signal.aborted) {
      err(stopping("Ctrl-C again to abort now."));
      drain.abort();
      return;
    }
    if (!abort.signal.aborted) {
      err("\naborting: running steps are cancelled (their process trees are ended).");
      abort.abort();
    }
  };
  const onSigterm = () => {
    if (drain.signal.aborted) return;
    err(stopping(`SIGTERM: running steps are cancelled after ${TERM_GRACE_MS / 1000} s.`));
    drain.abort();
    grace = setTimeout(() => abort.abort(), TERM_GRACE_MS);
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);
  return {
    drain: drain.signal,
    abort: abort.signal,
    track,
    dispose: () => {
      clearTimeout(grace);
      process.removeListener("SIGINT", onSigint);
      process.removeListener("SIGTERM", onSigterm);
    },
  };
}
