import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Holder } from "./journal-events.js";

/** Identifies this process to the lock and the queue. */
export function currentHolder(): Holder {
  return { token: randomUUID(), pid: process.pid, host: hostname() };
}

/**
 * A holder on this host whose pid no longer exists is gone at once, without waiting for its
 * lease: a SIGKILLed `backout run` can be resumed immediately. Holders on other hosts are
 * judged by their lease only.
 */
export function isHolderGone(holder: Holder): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}
