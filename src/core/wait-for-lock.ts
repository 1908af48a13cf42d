import type { EnvironmentConfig } from "../config/types.js";
import type { LockRecord, Store } from "../store/store.js";
import type { Clock } from "./clock.js";
import { BackoutError } from "./errors.js";
import { isHolderGone } from "./holder.js";
import type { Holder } from "./journal-events.js";

export interface WaitOptions {
  wait: boolean;
  /** Called when this rollback starts waiting or its queue position changes. */
  onWaiting?: (info: { position: number; lock: LockRecord | undefined }) => void;
  signal?: AbortSignal;
  pollMs?: number;
}

/**
 * Circuit breaker 1: one rollback at a time per environment. Waits in the durable FIFO queue
 * until this rollback may take the lock, and returns the lock's epoch for fencing.
 */
export async function waitForLock(
  store: Store,
  config: EnvironmentConfig,
  clock: Clock,
  holder: Holder,
  rollbackId: string,
  options: WaitOptions,
): Promise<{ epoch: number; tookOver: boolean }> {
  const leaseMs = config.policies.lock.leaseMs;
  const waitLimit = config.policies.lock.waitTimeoutMs;
  const startedWaiting = clock.now();
  let lastPosition = -1;
  for (;;) {
    const res = await store.acquireLock({
      environment: config.environment,
      rollbackId,
      holder,
      now: clock.now(),
      leaseMs,
      isHolderGone,
    });
    if (res.acquired) return { epoch: res.epoch, tookOver: res.tookOver };
    const other = res.lock?.rollbackId;
    if (res.reason === "held" && res.holderGone && res.lock?.holder !== undefined && other !== rollbackId) {
      throw new BackoutError(
        "ROLLBACK_INTERRUPTED",
        `rollback ${other} holds the lock but its process is gone`,
        {
          hint: `Finish it first: \`backout resume ${other}\`, or \`backout cancel ${other}\` if it must not continue.`,
          details: { interruptedRollback: other },
        },
      );
    }
    if (!options.wait) {
      const why =
        res.reason === "held" ? `rollback ${other} is in progress` : "other rollbacks are queued before it";
      throw new BackoutError("LOCK_BUSY", `the environment ${config.environment} is busy: ${why}`, {
        hint: "Wait for it (run without --no-wait), or see `backout status`.",
        details: { holder: other },
      });
    }
    if (waitLimit > 0 && clock.now() - startedWaiting > waitLimit) {
      throw new BackoutError(
        "LOCK_BUSY",
        `gave up waiting for the lock after ${Math.round(waitLimit / 1000)} s`,
        {
          hint: "See `backout status` for what holds it; raise policies.lock.waitTimeout to wait longer.",
        },
      );
    }
    if (res.position !== lastPosition) {
      lastPosition = res.position;
      options.onWaiting?.({ position: res.position, lock: res.lock });
    }
    await store.heartbeatQueue(rollbackId, holder.token, clock.now(), leaseMs);
    await clock.sleep(options.pollMs ?? 200, options.signal);
    if (options.signal?.aborted) {
      throw new BackoutError("STEP_CANCELLED", "stopped while waiting for the lock", {
        hint: `The rollback stays queued; resume it with \`backout resume ${rollbackId}\`.`,
      });
    }
  }
}
