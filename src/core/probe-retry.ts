/**
 * The one probe loop: try, judge, wait, try again, until enough tries in a row pass or the
 * tries run out. Release health, the nginx probe and the validation checks all run through it,
 * so "attempts", "interval", "timeout per try" and cancellation mean the same everywhere. Time
 * (the waits and the per-try timeout) comes from the Clock, so tests drive it with a ManualClock.
 */
import type { Clock } from "./clock.js";
import { clockTimeout } from "./clock-timeout.js";

export interface RetryPolicy {
  /** Tries in all, the first included (at least 1). */
  attempts: number;
  /** Wait between two tries. */
  intervalMs: number;
  /**
   * When set, each try's signal aborts this long after the try starts (timed by the Clock) and
   * `timedOut()` says so; the try decides what a timeout means (usually a failed probe). Unset:
   * the try bounds itself.
   */
  timeoutMs?: number;
  /** Passing tries in a row that end the loop (default 1): a reload is proven by several. */
  confirmations?: number;
}

/** What one try gets. */
export interface ProbeTry {
  /** 1-based. */
  attempt: number;
  /** Aborts when the caller cancels or the try's timeout passes. */
  signal: AbortSignal;
  /** True once the try's own timeout (not the caller) aborted `signal`. */
  timedOut(): boolean;
}

export interface ProbeOutcome<T> {
  /** The last try's result; undefined when cancelled before the first try. */
  last: T | undefined;
  /** Tries made. */
  attempts: number;
  passed: boolean;
  /** The caller's signal stopped the loop before a try it would have made. */
  cancelled: boolean;
}

export interface ProbeOptions<T> {
  clock: Clock;
  signal?: AbortSignal | undefined;
  /** One try; it should turn its own failures into a result rather than throw. */
  attempt: (t: ProbeTry) => Promise<T>;
  passes: (result: T) => boolean;
}

export async function probeWithRetry<T>(
  policy: RetryPolicy,
  opts: ProbeOptions<T>,
): Promise<ProbeOutcome<T>> {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  const confirmations = Math.max(1, policy.confirmations ?? 1);
  let last: T | undefined;
  let streak = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (opts.signal?.aborted) return { last, attempts: attempt - 1, passed: false, cancelled: true };
    last = await oneTry(policy, opts, attempt);
    streak = opts.passes(last) ? streak + 1 : 0;
    if (streak >= confirmations) return { last, attempts: attempt, passed: true, cancelled: false };
    if (attempt < attempts) await opts.clock.sleep(policy.intervalMs, opts.signal);
  }
  return { last, attempts, passed: false, cancelled: false };
}

async function oneTry<T>(policy: RetryPolicy, opts: ProbeOptions<T>, attempt: number): Promise<T> {
  const { timeoutMs } = policy;
  if (timeoutMs === undefined) {
    const signal = opts.signal ?? new AbortController().signal;
    return opts.attempt({ attempt, signal, timedOut: () => false });
  }
  const budget = clockTimeout(opts.clock, timeoutMs, opts.signal);
  try {
    return await opts.attempt({ attempt, signal: budget.signal, timedOut: budget.timedOut });
  } finally {
    budget.dispose();
  }
}
