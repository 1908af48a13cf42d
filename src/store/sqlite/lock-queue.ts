import type Database from "better-sqlite3";
import type { Holder } from "../../core/journal-events.js";
import { isTerminal, type RollbackState } from "../../core/model.js";
import type { AcquireRequest, AcquireResult, Fence, LockRecord, QueueEntry } from "../store.js";
import { toLock, toQueueEntry, type LockRow, type QueueRow } from "./rows.js";
import { lockLost } from "./store-errors.js";

/**
 * The environment lock and its FIFO queue. Every public method is one IMMEDIATE
 * transaction (the write lock is taken up front, so two processes never both read
 * "free" and both write "mine"); `assertFence` runs inside the caller's transaction.
 */
export class SqliteLockQueue {
  private readonly lockRow;
  private readonly upsertLock;
  private readonly setLease;
  private readonly park;
  private readonly release;
  private readonly rollbackState;
  private readonly queueOf;
  private readonly deleteQueued;
  private readonly enqueue;
  private readonly heartbeat;

  constructor(private readonly db: Database.Database) {
    this.lockRow = db.prepare<[string], LockRow>("SELECT * FROM lock WHERE environment = ?");
    this.upsertLock = db.prepare<[string, string, string, number, number]>(
      `INSERT INTO lock (environment, rollback_id, holder, epoch, lease_expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (environment) DO UPDATE SET rollback_id = excluded.rollback_id, holder = excluded.holder,
         epoch = excluded.epoch, lease_expires_at = excluded.lease_expires_at`,
    );
    this.setLease = db.prepare<[number, string]>(
      "UPDATE lock SET lease_expires_at = ? WHERE environment = ?",
    );
    this.park = db.prepare<[string]>(
      "UPDATE lock SET holder = NULL, lease_expires_at = NULL WHERE environment = ?",
    );
    this.release = db.prepare<[string, string]>(
      `UPDATE lock SET rollback_id = NULL, holder = NULL, lease_expires_at = NULL
       WHERE environment = ? AND rollback_id = ?`,
    );
    this.rollbackState = db.prepare<[string], { state: RollbackState }>(
      "SELECT state FROM rollbacks WHERE id = ?",
    );
    this.queueOf = db.prepare<[string], QueueRow>("SELECT * FROM queue WHERE environment = ? ORDER BY seq");
    this.deleteQueued = db.prepare<[string]>("DELETE FROM queue WHERE rollback_id = ?");
    this.enqueue = db.prepare<[string, string, string, number, number]>(
      `INSERT INTO queue (environment, rollback_id, holder, enqueued_at, heartbeat_expires_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (rollback_id) DO UPDATE SET holder = excluded.holder,
         heartbeat_expires_at = excluded.heartbeat_expires_at`,
    );
    this.heartbeat = db.prepare<[number, string, string]>(
      "UPDATE queue SET heartbeat_expires_at = ? WHERE rollback_id = ? AND json_extract(holder, '$.token') = ?",
    );
  }

  /** Throws LOCK_LOST unless `rollbackId` holds the environment lock at this epoch and token. */
  assertFence(environment: string, rollbackId: string, fence: Fence): void {
    const lock = toLock(this.lockRow.get(environment));
    if (!fenceHolds(lock, fence) || lock?.rollbackId !== rollbackId) throw lockLost(rollbackId, environment);
  }

  acquire(req: AcquireRequest): AcquireResult {
    return this.db
      .transaction((): AcquireResult => {
        const row = this.lockRow.get(req.environment);
        const queue = this.liveQueue(req);
        const position = queue.findIndex((e) => e.rollbackId === req.rollbackId) + 1;
        let lock = toLock(row);
        if (lock !== undefined && this.finished(lock.rollbackId)) lock = undefined;

        if (lock === undefined) {
          // Free: the head of the queue goes first; a rollback not queued waits for an empty queue.
          if (queue.length > 0 && position !== 1) {
            return { acquired: false, reason: "queued", lock: undefined, holderGone: false, position };
          }
          return this.take(req, (row?.epoch ?? 0) + 1, false);
        }

        const gone = lock.holder !== undefined && holderGone(lock, req);
        if (lock.rollbackId === req.rollbackId) {
          if (lock.holder?.token === req.holder.token) return this.take(req, lock.epoch, false);
          // Parked, expired or dead: the same rollback resumes under a new epoch, fencing out the old process.
          if (lock.holder === undefined || gone) return this.take(req, lock.epoch + 1, true);
        }
        // Another rollback's lock is never taken from it, even when its process is gone:
        // that rollback must be resumed or cancelled first (holderGone tells the caller).
        const stalled = !gone && leaseExpired(lock, req.now);
        return { acquired: false, reason: "held", lock, holderGone: gone, holderStalled: stalled, position };
      })
      .immediate();
  }

  renew(environment: string, fence: Fence, now: number, leaseMs: number): boolean {
    return this.db
      .transaction((): boolean => {
        const lock = toLock(this.lockRow.get(environment));
        if (!fenceHolds(lock, fence)) return false;
        this.setLease.run(now + leaseMs, environment);
        return true;
      })
      .immediate();
  }

  parkLock(environment: string, fence: Fence): void {
    this.db
      .transaction(() => {
        const lock = toLock(this.lockRow.get(environment));
        if (!fenceHolds(lock, fence)) throw lockLost(lock?.rollbackId ?? "(none)", environment);
        this.park.run(environment);
      })
      .immediate();
  }

  releaseLock(environment: string, rollbackId: string): void {
    this.release.run(environment, rollbackId);
  }

  /**
   * The lock as everyone should see it: a process killed after its rollback's "finished" write
   * but before releasing leaves the row behind; acquire already treats that lock as free, so
   * status, metrics and resume must not report it as held either.
   */
  getLock(environment: string): LockRecord | undefined {
    const lock = toLock(this.lockRow.get(environment));
    return lock !== undefined && this.finished(lock.rollbackId) ? undefined : lock;
  }

  join(environment: string, rollbackId: string, holder: Holder, now: number, heartbeatMs: number): void {
    this.enqueue.run(environment, rollbackId, JSON.stringify(holder), now, now + heartbeatMs);
  }

  beat(rollbackId: string, token: string, now: number, heartbeatMs: number): void {
    this.heartbeat.run(now + heartbeatMs, rollbackId, token);
  }

  leave(rollbackId: string): void {
    this.deleteQueued.run(rollbackId);
  }

  list(environment: string): QueueEntry[] {
    return this.queueOf.all(environment).map(toQueueEntry);
  }

  private take(req: AcquireRequest, epoch: number, tookOver: boolean): AcquireResult {
    this.upsertLock.run(
      req.environment,
      req.rollbackId,
      JSON.stringify(req.holder),
      epoch,
      req.now + req.leaseMs,
    );
    this.deleteQueued.run(req.rollbackId);
    return { acquired: true, epoch, tookOver };
  }

  /**
   * The queue without its dead waiters, which are deleted on the way. The requester's own
   * entry is never dead: whoever asks for it is alive, whatever process queued it.
   */
  private liveQueue(req: AcquireRequest): QueueEntry[] {
    const live: QueueEntry[] = [];
    for (const entry of this.queueOf.all(req.environment).map(toQueueEntry)) {
      const alive = req.isHolderAlive?.(entry.holder) ?? false;
      const dead = !alive && (entry.heartbeatExpiresAt <= req.now || req.isHolderGone(entry.holder));
      if (dead && entry.rollbackId !== req.rollbackId) this.deleteQueued.run(entry.rollbackId);
      else live.push(entry);
    }
    return live;
  }

  private finished(rollbackId: string): boolean {
    const row = this.rollbackState.get(rollbackId);
    return row === undefined || isTerminal(row.state);
  }
}

function leaseExpired(lock: LockRecord, now: number): boolean {
  return lock.leaseExpiresAt !== undefined && lock.leaseExpiresAt <= now;
}

/** Gone: its process is dead, or its lease expired and it is not known to be alive (another host). */
function holderGone(lock: LockRecord, req: AcquireRequest): boolean {
  if (lock.holder === undefined) return false;
  if (req.isHolderAlive?.(lock.holder)) return false;
  return leaseExpired(lock, req.now) || req.isHolderGone(lock.holder);
}

function fenceHolds(lock: LockRecord | undefined, fence: Fence): boolean {
  return lock !== undefined && lock.epoch === fence.epoch && lock.holder?.token === fence.token;
}
