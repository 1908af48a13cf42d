import { AsyncLocalStorage } from "node:async_hooks";
import type { GroupRef } from "./process-group.js";

/**
 * While a step applies, every program it runs is announced here before it may start: the
 * executor journals the process group, and only then does the program run. A backout killed
 * at any instant therefore leaves no step process that the journal does not name.
 */
export type ProcessAnnouncer = (group: GroupRef & { startedAt: number }) => Promise<void>;

const announcer = new AsyncLocalStorage<ProcessAnnouncer>();

export function withProcessAnnouncer<T>(announce: ProcessAnnouncer, fn: () => Promise<T>): Promise<T> {
  return announcer.run(announce, fn);
}

export function currentAnnouncer(): ProcessAnnouncer | undefined {
  return announcer.getStore();
}
