import type { EnvironmentConfig } from "../config/types.js";
import type { LockRecord, Store } from "../store/store.js";
import type { Clock } from "./clock.js";
import { BackoutError } from "./errors.js";
import { isHolderAliveHere, isHolderGone } from "./holder.js";
import type { Holder } from "./journal-events.js";
import { whileStoreBusy } from "./store-busy.js";

export interface WaitOptions {
  wait: boolean;
  /**
   * Called when this rollback starts waiting or its queue position changes; position -1 when
   * it waits for the state database itself (another process holds it mid-write).
   */
  onWaiting?: (info: { position: number; lock: LockRecord | undefined; note?: string }) => void;
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
  let lastStalled = false;
  for (;;) {
    const busyWait = {
      clock,
      startedAt: startedWaiting,
      limitMs: waitLimit,
      ...(options.onWaiting
        ? { onBusy: (note: string) => options.onWaiting?.({ position: -1, lock: undefined, note }) }
        : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const acquire = () =>
      store.acquireLock({
        environment: config.environment,
        rollbackId,
        holder,
        now: clock.now(),
        leaseMs,
        isHolderGone,
        isHolderAlive: isHolderAliveHere,
      });
    const res = options.wait ? await whileStoreBusy(acquire, busyWait) : await acquire();
    if (res.acquired) return { epoch: res.epoch, tookOver: res.tookOver };
    const other = res.lock?.rollbackId;
    if (res.reason === "held" && res.holderGone && res.lock?.holder !== undefined && other !== rollbackId) {
      throw new BackoutError(
        "ROLLBACK_INTERRUPTED",
        `rollback ${other} holds the lock but its process is gone (${holderFacts(res.lock, clock.now())})`,
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
    const stalled = res.reason === "held" && res.holderStalled === true;
    if (res.position !== lastPosition || stalled !== lastStalled) {
      lastPosition = res.position;
      lastStalled = stalled;
      const note =
        stalled && res.lock?.holder
          ? `its ${holderFacts(res.lock, clock.now())}, so it is stalled, not gone; this rollback keeps its place. ` +
            `To take over: end that process (kill ${res.lock.holder.pid}), then \`backout resume ${other}\``
          : undefined;
      options.onWaiting?.({ position: res.position, lock: res.lock, ...(note ? { note } : {}) });
    }
    await whileStoreBusy(
      () => store.heartbeatQueue(rollbackId, holder.token, clock.now(), leaseMs),
      busyWait,
    );
    await clock.sleep(options.pollMs ?? 200, options.signal);
    if (options.signal?.aborted) {
      throw new BackoutError("STEP_CANCELLED", "stopped while waiting for the lock", {
        hint: `The rollback stays queued; resume it with \`backout resume ${rollbackId}\`.`,
      });
    }
  }
}

/** What is known of a lock's holder: its lease, its pid and host, and whether it is alive here. */
export function holderFacts(lock: LockRecord, now: number): string {
  const h = lock.holder;
  if (!h) return "holder: none (parked)";
  const lease =
    lock.leaseExpiresAt === undefined
      ? "no lease"
      : lock.leaseExpiresAt <= now
        ? `lease expired ${Math.round((now - lock.leaseExpiresAt) / 1000)} s ago`
        : "lease current";
  const alive = isHolderAliveHere(h)
    ? "alive on this host"
    : isHolderGone(h)
      ? "not running on this host"
      : `on host ${h.host}, not visible from here`;
  return `${lease}; process pid ${h.pid} ${alive}`;
}
