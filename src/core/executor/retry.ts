import type { RetryPolicy } from "../../config/types.js";

/** Delay before attempt `nextAttempt` (2-based), Temporal-style: initial * coefficient^(n-2), capped. */
export function backoffMs(policy: RetryPolicy, nextAttempt: number): number {
  const raw = policy.initialIntervalMs * Math.pow(policy.backoffCoefficient, Math.max(0, nextAttempt - 2));
  return Math.min(raw, policy.maximumIntervalMs);
}
