import type { EnvironmentConfig } from "../../config/types.js";
import type { Fence, Store } from "../../store/store.js";
import type { Clock } from "../clock.js";

/**
 * Renews the environment lock's lease at a third of its length while a rollback runs.
 * `lost` resolves if another process took the lock over (the fence no longer matches).
 */
export function keepLease(
  store: Store,
  config: EnvironmentConfig,
  fence: Fence,
  clock: Clock,
  signal: AbortSignal,
): { lost: Promise<void>; done: Promise<void> } {
  let markLost: () => void = () => {};
  const lost = new Promise<void>((resolve) => (markLost = resolve));
  const leaseMs = config.policies.lock.leaseMs;
  const done = (async () => {
    while (!signal.aborted) {
      await clock.sleep(Math.max(50, Math.floor(leaseMs / 3)), signal);
      if (signal.aborted) break;
      try {
        if (!(await store.renewLock(config.environment, fence, clock.now(), leaseMs))) {
          markLost();
          break;
        }
      } catch {
        // A busy database is retried at the next tick; the lease has slack for it.
      }
    }
  })();
  return { lost, done };
}
