/**
 * The rollbacks this process is running (or waiting in the queue to run). The lock cannot tell
 * them apart from a rollback this process left parked or paused: both carry this process's
 * holder token. A resume or cancel of one of them would race its own steps (a server runs
 * several rollbacks, each request on its own), so the engine refuses those, whoever asks.
 */
import { BackoutError } from "./errors.js";

const running = new Set<string>();

/** Marks a rollback as run by this process; throws LOCK_BUSY if it already is. Check and mark are one step. */
export function claimHere(rollbackId: string): () => void {
  assertNotRunningHere(rollbackId);
  running.add(rollbackId);
  return () => running.delete(rollbackId);
}

export function isRunningHere(rollbackId: string): boolean {
  return running.has(rollbackId);
}

export function assertNotRunningHere(rollbackId: string): void {
  if (running.has(rollbackId)) {
    throw new BackoutError("LOCK_BUSY", `rollback ${rollbackId} is being run by this process`, {
      hint: "It needs no resume; follow it (`backout status`, GET /api/v1/events). To stop it, stop the process that runs it (the first SIGTERM drains it).",
    });
  }
}
