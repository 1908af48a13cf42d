import { ERROR_EXIT, type ErrorCode } from "../core/errors.js";
import type { RollbackState } from "../core/model.js";

/** Documented in the README; scripts depend on them, so they never change meaning. */
export const EXIT = {
  ok: 0,
  /** The rollback failed or escalated, or an operation failed at run time. */
  failed: 1,
  /** Bad command line, bad environment file, or a plan that cannot succeed: nothing was changed. */
  usage: 2,
  /** The rollback waits for someone to confirm a data-loss step (`backout approve`). */
  awaitingConfirmation: 3,
  /** Another rollback holds the environment (with --no-wait), or an interrupted one must be resumed first. */
  lockBusy: 4,
  /** The rollback's time limit passed; the emergency procedure ran. */
  timedOut: 5,
  /** `watch`: the analysis failed and the automatic rollback succeeded. */
  watchRolledBack: 6,
  /** `watch`: the analysis was inconclusive; nothing was changed. */
  watchInconclusive: 7,
  /** Stopped by Ctrl-C (SIGINT): the rollback can be resumed. */
  interrupted: 130,
} as const;

/** The exit code of a failure: its code's entry in ERROR_EXIT (one per code, by construction). */
export function exitCodeForError(code: ErrorCode): number {
  return EXIT[ERROR_EXIT[code]];
}

export function exitCodeForState(state: RollbackState): number {
  switch (state) {
    case "succeeded":
      return EXIT.ok;
    case "awaiting-confirmation":
      return EXIT.awaitingConfirmation;
    case "timed-out":
      return EXIT.timedOut;
    case "running":
    case "queued":
      return EXIT.interrupted;
    default:
      return EXIT.failed;
  }
}
