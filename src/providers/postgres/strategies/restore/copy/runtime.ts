/**
 * Time and cancellation for the restore path: the engine's injectable clock (no Date.now or bare
 * setTimeout, so tests can drive it) and its signal (the rollback's time limit). The restore
 * stops only at safe points, where stopping leaves the live database serving and a resume able
 * to go on: before the copy is made, between replay batches, before the live database is
 * blocked and before the swap begins. Never in the middle of the swap.
 */
import { type Clock, systemClock } from "../../../../../core/clock.js";
import { BackoutError, type ErrorLocation } from "../../../../../core/errors.js";

export interface Runtime {
  clock: Clock;
  signal: AbortSignal;
}

/** For callers outside a rollback (tests, drills): the system clock, never cancelled. */
export const uncancelled = (): Runtime => ({ clock: systemClock, signal: new AbortController().signal });

/** Throws STEP_CANCELLED when the time limit (or an interrupt) has aborted the step. */
export function safePoint(
  rt: Pick<Runtime, "signal">,
  where: ErrorLocation | undefined,
  before: string,
): void {
  if (!rt.signal.aborted) return;
  throw new BackoutError("STEP_CANCELLED", `restore cancelled before ${before}`, {
    ...(where === undefined ? {} : { where }),
    hint: "The rollback's time limit (or an interrupt) stopped the restore at a safe point: the live database serves as before. Resume to go on from where it stopped.",
  });
}
