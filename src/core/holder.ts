import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { processStartTicks } from "../process/process-group.js";
import type { Holder } from "./journal-events.js";

/** Identifies this process to the lock and the queue. */
export function currentHolder(): Holder {
  const startTicks = processStartTicks(process.pid);
  return {
    token: randomUUID(),
    pid: process.pid,
    host: hostname(),
    ...(startTicks === undefined ? {} : { startTicks }),
  };
}

/** On this host, whether the holder's process exists: its pid, and (when recorded) its start time. */
function aliveHere(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
  // The pid exists; a different start time means it was reused by another process.
  if (holder.startTicks === undefined) return true;
  const ticks = processStartTicks(holder.pid);
  return ticks === undefined || ticks === holder.startTicks;
}

/**
 * A holder on this host whose process no longer exists is gone at once, without waiting for its
 * lease: a SIGKILLed `backout run` can be resumed immediately. Holders on other hosts are
 * judged by their lease only.
 */
export function isHolderGone(holder: Holder): boolean {
  return holder.host === hostname() && holder.pid !== process.pid && !aliveHere(holder);
}

/**
 * A holder whose process is known to be alive on this host: an expired lease then only means
 * it is stalled (SIGSTOP, a debugger, swapping), not gone, and it is never taken over for it.
 */
export function isHolderAliveHere(holder: Holder): boolean {
  // Another engine in this very process (tests) is judged by its lease, like a remote holder.
  return holder.host === hostname() && holder.pid !== process.pid && aliveHere(holder);
}
