import type { ErrorCode } from "../core/errors.js";
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

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "USAGE",
  "CONFIG_NOT_FOUND",
  "CONFIG_YAML",
  "CONFIG_INVALID",
  "CONFIG_UNKNOWN_KIND",
  "CONFIG_UNKNOWN_DEPENDENCY",
  "CONFIG_CYCLE",
  "CONFIG_ENV_MISSING",
  "CHECKPOINT_NOT_FOUND",
  "CHECKPOINT_INCOMPLETE",
  "NO_GOOD_CHECKPOINT",
  "ROLLBACK_NOT_FOUND",
  "UNKNOWN_COMPONENT",
  "PLAN_INVALID",
  "PLAN_STALE",
  "PLAN_DRIFTED",
  "PLAN_FILE_INVALID",
  "COMPATIBILITY_UNSATISFIABLE",
  "CONFIRMATION_MISMATCH",
  "NESTED_ROLLBACK",
  "ROLLBACK_NOT_RESUMABLE",
  "PG_PRIVILEGE_MISSING",
  "AUTH_FAILED",
  "FORBIDDEN",
]);

const LOCK_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "LOCK_BUSY",
  "LOCK_LOST",
  "ROLLBACK_INTERRUPTED",
]);

export function exitCodeForError(code: ErrorCode): number {
  if (USAGE_CODES.has(code)) return EXIT.usage;
  if (LOCK_CODES.has(code)) return EXIT.lockBusy;
  return EXIT.failed;
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
