import type { Clock } from "./clock.js";
import { BackoutError } from "./errors.js";

/**
 * A store write that met another backout process's open write transaction for longer than
 * SQLite's own busy timeout. A holder stopped mid-commit (SIGSTOP, a paused VM) keeps the file
 * locked until it runs again; a rollback willing to wait keeps waiting for it, as it waits for
 * the environment's lock, instead of failing before it has even joined the queue.
 */
export function isStoreBusy(e: unknown): boolean {
  if (!(e instanceof BackoutError) || e.code !== "STORE_FAILED") return false;
  const code = e.details?.sqliteCode;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

export interface StoreBusyWait {
  clock: Clock;
  /** When the caller started waiting (the wait limit covers the lock wait and this one). */
  startedAt: number;
  /** policies.lock.waitTimeout in ms; 0 waits without limit. */
  limitMs: number;
  onBusy?: (note: string) => void;
  signal?: AbortSignal;
}

/** Runs `write`, trying again while the store is busy and the wait limit allows. */
export async function whileStoreBusy<T>(write: () => Promise<T>, wait: StoreBusyWait): Promise<T> {
  let told = false;
  for (;;) {
    try {
      return await write();
    } catch (e) {
      if (!isStoreBusy(e)) throw e;
      const waited = wait.clock.now() - wait.startedAt;
      if (wait.signal?.aborted || (wait.limitMs > 0 && waited > wait.limitMs)) throw e;
      if (!told) {
        told = true;
        wait.onBusy?.(
          "the state database is locked by another backout process that is not finishing its write " +
            "(stopped or very slow); waiting for it. `backout status` shows the holder.",
        );
      }
      await wait.clock.sleep(200, wait.signal);
    }
  }
}
