/**
 * One attempt's signal: the caller's cancellation combined with the attempt's own timeout,
 * and a way to tell afterwards which of the two fired (both surface as a rejected promise).
 */
export interface TimedSignal {
  signal: AbortSignal;
  why(): "cancelled" | "timeout" | undefined;
}

export function timedSignal(timeoutMs: number, outer?: AbortSignal): TimedSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
  return {
    signal,
    why: () => (outer?.aborted ? "cancelled" : timeout.aborted ? "timeout" : undefined),
  };
}
