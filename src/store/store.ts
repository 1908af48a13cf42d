import type { Holder, JournalEntry, JournalEventData } from "../core/journal-events.js";
import type { CheckpointRecord, Plan, RollbackState } from "../core/model.js";
import type { AlertDecisionStore } from "./alert-decisions.js";
import type { CheckpointEventStore, CheckpointEventInput } from "./checkpoint-events.js";
import type { OutboxMessage, OutboxStore } from "./outbox.js";

export type { OutboxMessage, OutboxQuery, OutboxRow, OutboxSettlement, OutboxStore } from "./outbox.js";

export interface RollbackRecord {
  id: string;
  environment: string;
  checkpointId: string;
  planHash: string;
  plan: Plan;
  /** Cached fold of the journal, updated in the same transaction as each state-changing event. */
  state: RollbackState;
  createdAt: number;
  /** Time of the last state change. */
  updatedAt: number;
}

/** A journal entry with its place in the store-wide order (the SSE event id). */
export interface FeedEntry extends JournalEntry {
  feedId: number;
}

export interface LockRecord {
  environment: string;
  rollbackId: string;
  /** Undefined while the rollback is parked (awaiting confirmation): held, but by no process. */
  holder: Holder | undefined;
  /** Increases on every acquisition or take-over; journal writes are fenced by it. */
  epoch: number;
  /** Undefined while parked. */
  leaseExpiresAt: number | undefined;
}

export interface QueueEntry {
  environment: string;
  rollbackId: string;
  seq: number;
  holder: Holder;
  enqueuedAt: number;
  heartbeatExpiresAt: number;
}

export interface AcquireRequest {
  environment: string;
  rollbackId: string;
  holder: Holder;
  now: number;
  leaseMs: number;
  /** Decides whether a holder whose lease has not expired is nevertheless gone (e.g. its pid is dead). */
  isHolderGone: (holder: Holder) => boolean;
  /**
   * Decides whether a holder is known to be alive (on this host): then an expired lease does not
   * make it gone, and neither the lock nor its queue place is taken from it. Default: never known.
   */
  isHolderAlive?: (holder: Holder) => boolean;
}

export type AcquireResult =
  | { acquired: true; epoch: number; tookOver: boolean }
  | {
      acquired: false;
      /** "held": another rollback holds the lock; "queued": an earlier waiter goes first. */
      reason: "held" | "queued";
      lock: LockRecord | undefined;
      /** True when the holding rollback's process is gone: it must be resumed or cancelled. */
      holderGone: boolean;
      /** True when the holder's lease expired although its process is alive on this host (stalled). */
      holderStalled?: boolean;
      position: number;
    };

export interface Fence {
  epoch: number;
  token: string;
}

/**
 * Where checkpoints, rollbacks, journals, the lock and the queue live. Async so that a
 * PostgreSQL store can implement it; every method is one transaction.
 */
export interface Store extends OutboxStore {
  /** `event`: the audit record of who took it, written in the same transaction. */
  saveCheckpoint(cp: CheckpointRecord, event?: CheckpointEventInput): Promise<void>;
  /** By id, or by name (the newest checkpoint with that name). */
  getCheckpoint(idOrName: string): Promise<CheckpointRecord | undefined>;
  /** Newest first. */
  listCheckpoints(limit?: number): Promise<CheckpointRecord[]>;
  /** `event`: the audit record of who marked it (with whether it was good before), in the same transaction. */
  markGood(idOrName: string, at: number, event?: CheckpointEventInput): Promise<CheckpointRecord | undefined>;
  /** Takes the good mark away (by id or name); undefined when there is no such checkpoint. */
  unmarkGood(idOrName: string, event?: CheckpointEventInput): Promise<CheckpointRecord | undefined>;
  lastGoodCheckpoint(): Promise<CheckpointRecord | undefined>;

  /**
   * Inserts the rollback, its first journal event ("queued", carrying the plan) and its
   * queue entry atomically. Queue order is the order of this call.
   */
  createRollback(
    record: Omit<RollbackRecord, "state" | "updatedAt">,
    queued: JournalEventData & { type: "queued" },
    holder: Holder,
    heartbeatMs: number,
  ): Promise<RollbackRecord>;
  getRollback(id: string): Promise<RollbackRecord | undefined>;
  /** Newest first. */
  listRollbacks(options?: { limit?: number; states?: RollbackState[] }): Promise<RollbackRecord[]>;

  /**
   * Appends one event, durably (fsync before returning). With a fence, the write is refused
   * with LOCK_LOST unless the environment lock is held by this rollback at that epoch and token.
   * `outbox`: notifications the event causes, inserted in the same transaction (ignored when
   * already there), so the event is never journalled without them.
   */
  appendEvent(
    rollbackId: string,
    at: number,
    event: JournalEventData,
    fence?: Fence,
    outbox?: readonly OutboxMessage[],
  ): Promise<JournalEntry>;
  readJournal(rollbackId: string): Promise<JournalEntry[]>;
  /**
   * Optional: every rollback's events in one order (commit order), after feed id `after`, at
   * most `limit`; what `backout serve` streams. `feedHead`: the newest feed id (0: none).
   */
  readFeed?(after: number, limit: number): Promise<FeedEntry[]>;
  feedHead?(): Promise<number>;

  /**
   * Takes the environment lock for a rollback if it is free (or its holder's lease expired,
   * or the holder is gone) and this rollback is first among live queue entries. A rollback
   * that already holds the lock (parked, or its old process gone) is taken over with a new
   * epoch. Removes the rollback's queue entry on success. Dead waiters are dropped from the queue.
   */
  acquireLock(req: AcquireRequest): Promise<AcquireResult>;
  /** Extends the lease; false when the lock is no longer this holder's (fenced out). */
  renewLock(environment: string, fence: Fence, now: number, leaseMs: number): Promise<boolean>;
  /** Keeps the lock for the rollback with no process holding it (awaiting confirmation). */
  parkLock(environment: string, fence: Fence): Promise<void>;
  /** Frees the lock if it belongs to this rollback. */
  releaseLock(environment: string, rollbackId: string): Promise<void>;
  getLock(environment: string): Promise<LockRecord | undefined>;

  /** Re-enters (or refreshes) a rollback's place in the queue; a new entry goes to the back. */
  joinQueue(
    environment: string,
    rollbackId: string,
    holder: Holder,
    now: number,
    heartbeatMs: number,
  ): Promise<void>;
  heartbeatQueue(rollbackId: string, token: string, now: number, heartbeatMs: number): Promise<void>;
  leaveQueue(rollbackId: string): Promise<void>;
  listQueue(environment: string): Promise<QueueEntry[]>;

  /**
   * Process groups journalled by steps in flight of running rollbacks (step-process events
   * since each step's last start, for steps not ended): what the nesting guard compares with
   * this process's ancestors.
   */
  runningStepGroups(): Promise<RunningStepGroup[]>;

  /** Optional: the decisions `backout serve` took on firing alerts (triggers:). */
  recordAlertDecision?: AlertDecisionStore["recordAlertDecision"];
  settleAlertDecision?: AlertDecisionStore["settleAlertDecision"];
  alertDecisions?: AlertDecisionStore["alertDecisions"];

  /** Optional: the checkpoint audit (who took, marked, unmarked a checkpoint; when; through what). */
  checkpointEvents?: CheckpointEventStore["checkpointEvents"];

  /** Optional: the store's own integrity check (SQLite's integrity_check), for `backout doctor`. */
  checkIntegrity?(): Promise<{ ok: boolean; problems: string[] }>;

  close(): Promise<void>;
}

export interface RunningStepGroup {
  rollbackId: string;
  stepId: string;
  pgid: number;
  startTicks?: number;
  host: string;
}
