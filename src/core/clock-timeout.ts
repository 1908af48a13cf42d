/**
 * A time budget on the Clock: a signal that aborts `ms` after it is made, or when the caller's
 * signal aborts, and `timedOut()` to tell the two apart afterwards. Timed by the Clock, not by
 * a timer of its own (AbortSignal.timeout), so a ManualClock drives it in tests and no second
 * timer races the first. The probe loop's per-try timeout and the notification budget use it.
 */
import type { Clock } from "./clock.js";

export interface ClockTimeout {
  /** Aborts at the deadline (reason: a TimeoutError) or with the caller's signal. */
  signal: AbortSignal;
  /** True once the deadline (not the caller) aborted `signal`. */
  timedOut: () => boolean;
  /** The work is over: stops waiting on the clock (no sleeper or timer is left behind). */
  dispose: () => void;
}

export function clockTimeout(clock: Clock, ms: number, outer?: AbortSignal): ClockTimeout {
  const abort = new AbortController();
  const done = new AbortController();
  let timedOut = false;
  const onCancel = () => abort.abort(outer?.reason);
  if (outer?.aborted) onCancel();
  else outer?.addEventListener("abort", onCancel, { once: true });
  // The clock's sleep resolves early (without throwing) when `done` aborts: the work ended first.
  void clock.sleep(ms, done.signal).then(() => {
    if (done.signal.aborted || abort.signal.aborted) return;
    timedOut = true;
    abort.abort(new DOMException(`timed out after ${ms} ms`, "TimeoutError"));
  });
  return {
    signal: abort.signal,
    timedOut: () => timedOut,
    dispose: () => {
      done.abort();
      outer?.removeEventListener("abort", onCancel);
    },
  };
}
