import type Database from "better-sqlite3";
import {
  stateAfter,
  type Holder,
  type JournalEntry,
  type JournalEventData,
} from "../../core/journal-events.js";
import type { CheckpointRecord, RollbackState } from "../../core/model.js";
import type {
  AcquireRequest,
  AcquireResult,
  FeedEntry,
  Fence,
  LockRecord,
  OutboxMessage,
  OutboxQuery,
  OutboxRow,
  OutboxSettlement,
  QueueEntry,
  RollbackRecord,
  RunningStepGroup,
  Store,
} from "../store.js";
import type { AlertDecision, AlertDecisionStore, AlertSettlement, Recorded } from "../alert-decisions.js";
import type { CheckpointEvent, CheckpointEventInput, CheckpointEventStore } from "../checkpoint-events.js";
import { SqliteAlertDecisions } from "./alert-decisions.js";
import { SqliteCheckpointEvents } from "./checkpoint-events.js";
import { SqliteLockQueue } from "./lock-queue.js";
import { SqliteOutbox } from "./outbox.js";
import {
  parseJson as parseEvent,
  toCheckpoint,
  checkpointComponentsJson,
  toJournalEntry,
  toRollback,
  type CheckpointRow,
  type JournalRow,
  type RollbackRow,
  type RollbackSummaryRow,
} from "./rows.js";
import { rollbackNotFound, toStoreError } from "./store-errors.js";

/** What `pragmas()` reports: the connection settings actually in effect. */
export interface SqlitePragmas {
  journalMode: string;
  synchronous: number;
  busyTimeout: number;
  foreignKeys: boolean;
  userVersion: number;
}

/**
 * The embedded Store: one SQLite file shared by every backout process of an environment.
 * better-sqlite3 is synchronous, so each method runs to completion before it resolves;
 * SQLite's own locking (busy_timeout, BEGIN IMMEDIATE) orders writers across processes.
 */
/** Listings read the rollbacks_listing index alone (migration 7): no row, no plan is touched. */
export const ROLLBACK_LISTING = `SELECT id, environment, checkpoint_id, plan_hash, state, created_at, updated_at
  FROM rollbacks WHERE @states IS NULL OR state IN (SELECT value FROM json_each(@states))
  ORDER BY created_at DESC, rowid DESC LIMIT @limit`;

export class SqliteStore implements Store, AlertDecisionStore, CheckpointEventStore {
  private readonly locks: SqliteLockQueue;
  private readonly audit: SqliteCheckpointEvents;
  private readonly alerts: SqliteAlertDecisions;
  private readonly outbox: SqliteOutbox;
  private readonly s;

  constructor(
    private readonly db: Database.Database,
    /** The database file, named in every error. */
    readonly file: string,
  ) {
    this.locks = new SqliteLockQueue(db);
    this.outbox = new SqliteOutbox(db);
    this.alerts = new SqliteAlertDecisions(db);
    this.audit = new SqliteCheckpointEvents(db);
    const newest = "ORDER BY created_at DESC, rowid DESC";
    this.s = {
      saveCheckpoint: db.prepare<[string, string, string, number, number, number | null, string]>(
        `INSERT INTO checkpoints (id, name, environment, created_at, good, marked_good_at, components)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, environment = excluded.environment,
           created_at = excluded.created_at, good = excluded.good, marked_good_at = excluded.marked_good_at,
           components = excluded.components`,
      ),
      checkpointById: db.prepare<[string], CheckpointRow>("SELECT * FROM checkpoints WHERE id = ?"),
      checkpointByName: db.prepare<[string], CheckpointRow>(
        `SELECT * FROM checkpoints WHERE name = ? ${newest} LIMIT 1`,
      ),
      checkpoints: db.prepare<[number], CheckpointRow>(`SELECT * FROM checkpoints ${newest} LIMIT ?`),
      markGood: db.prepare<[number, string]>(
        "UPDATE checkpoints SET good = 1, marked_good_at = ? WHERE id = ?",
      ),
      unmarkGood: db.prepare<[string]>("UPDATE checkpoints SET good = 0, marked_good_at = NULL WHERE id = ?"),
      lastGood: db.prepare<[], CheckpointRow>(`SELECT * FROM checkpoints WHERE good = 1 ${newest} LIMIT 1`),
      insertRollback: db.prepare<[string, string, string, string, string, string, number, number]>(
        `INSERT INTO rollbacks (id, environment, checkpoint_id, plan_hash, plan, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      rollback: db.prepare<[string], RollbackRow>("SELECT * FROM rollbacks WHERE id = ?"),
      // The hot path of every journal write: the environment only, not the stored plan.
      rollbackEnvironment: db.prepare<[string], { environment: string }>(
        "SELECT environment FROM rollbacks WHERE id = ?",
      ),
      rollbackPlan: db.prepare<[string], { plan: string }>("SELECT plan FROM rollbacks WHERE id = ?"),
      rollbacks: db.prepare<{ states: string | null; limit: number }, RollbackSummaryRow>(ROLLBACK_LISTING),
      setState: db.prepare<[string, number, string]>(
        "UPDATE rollbacks SET state = ?, updated_at = ? WHERE id = ?",
      ),
      // The primary key makes this one index probe, however long the journal.
      nextSeq: db.prepare<[string], { next: number }>(
        "SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM journal WHERE rollback_id = ?",
      ),
      insertEvent: db.prepare<[string, number, number, string, string]>(
        "INSERT INTO journal (rollback_id, seq, at, type, data) VALUES (?, ?, ?, ?, ?)",
      ),
      insertFeed: db.prepare<[string, number]>("INSERT INTO journal_feed (rollback_id, seq) VALUES (?, ?)"),
      feed: db.prepare<[number, number], JournalRow & { id: number }>(
        `SELECT f.id, j.rollback_id, j.seq, j.at, j.data FROM journal_feed f
         JOIN journal j ON j.rollback_id = f.rollback_id AND j.seq = f.seq
         WHERE f.id > ? ORDER BY f.id LIMIT ?`,
      ),
      feedHead: db.prepare<[], { id: number }>("SELECT COALESCE(MAX(id), 0) AS id FROM journal_feed"),
      // Only the journals of running rollbacks, only the events that open or close a step.
      stepProcessEvents: db.prepare<[], { rollback_id: string; type: string; data: string }>(
        `SELECT j.rollback_id, j.type, j.data FROM rollbacks r JOIN journal j ON j.rollback_id = r.id
         WHERE r.state = 'running'
           AND j.type IN ('step-started', 'step-process', 'step-processes-ended', 'step-succeeded', 'step-failed', 'step-cancelled')
         ORDER BY j.rollback_id, j.seq`,
      ),
      journal: db.prepare<[string], JournalRow>(
        "SELECT rollback_id, seq, at, data FROM journal WHERE rollback_id = ? ORDER BY seq",
      ),
    };
  }

  saveCheckpoint(cp: CheckpointRecord, event?: CheckpointEventInput): Promise<void> {
    return this.write(() => {
      const good = cp.good ? 1 : 0;
      const components = checkpointComponentsJson(cp);
      this.s.saveCheckpoint.run(
        cp.id,
        cp.name,
        cp.environment,
        cp.createdAt,
        good,
        cp.markedGoodAt ?? null,
        components,
      );
      if (event !== undefined) this.audit.record(cp.environment, cp.id, "taken", event);
    });
  }

  getCheckpoint(idOrName: string): Promise<CheckpointRecord | undefined> {
    return this.run(() => this.findCheckpoint(idOrName));
  }

  listCheckpoints(limit?: number): Promise<CheckpointRecord[]> {
    return this.run(() => this.s.checkpoints.all(limit ?? -1).map(toCheckpoint));
  }

  markGood(
    idOrName: string,
    at: number,
    event?: CheckpointEventInput,
  ): Promise<CheckpointRecord | undefined> {
    return this.write(() => {
      const found = this.findCheckpoint(idOrName);
      if (found === undefined) return undefined;
      this.s.markGood.run(at, found.id);
      if (event !== undefined)
        this.audit.record(found.environment, found.id, "marked-good", event, { wasGood: found.good });
      return { ...found, good: true, markedGoodAt: at };
    });
  }

  unmarkGood(idOrName: string, event?: CheckpointEventInput): Promise<CheckpointRecord | undefined> {
    return this.write(() => {
      const found = this.findCheckpoint(idOrName);
      if (found === undefined) return undefined;
      this.s.unmarkGood.run(found.id);
      if (event !== undefined)
        this.audit.record(found.environment, found.id, "unmarked-good", event, { wasGood: found.good });
      return { ...found, good: false, markedGoodAt: undefined };
    });
  }

  lastGoodCheckpoint(): Promise<CheckpointRecord | undefined> {
    return this.run(() => {
      const row = this.s.lastGood.get();
      return row === undefined ? undefined : toCheckpoint(row);
    });
  }

  createRollback(
    record: Omit<RollbackRecord, "state" | "updatedAt">,
    queued: JournalEventData & { type: "queued" },
    holder: Holder,
    heartbeatMs: number,
  ): Promise<RollbackRecord> {
    return this.write(() => {
      const at = record.createdAt;
      const { id, environment, checkpointId, planHash } = record;
      this.s.insertRollback.run(
        id,
        environment,
        checkpointId,
        planHash,
        JSON.stringify(record.plan),
        "queued",
        at,
        at,
      );
      this.insertEvent(id, 1, at, queued);
      this.locks.join(environment, id, holder, at, heartbeatMs);
      return { ...record, state: "queued", updatedAt: at };
    });
  }

  getRollback(id: string): Promise<RollbackRecord | undefined> {
    return this.run(() => {
      const row = this.s.rollback.get(id);
      return row === undefined ? undefined : toRollback(row, row.plan);
    });
  }

  listRollbacks(options: { limit?: number; states?: RollbackState[] } = {}): Promise<RollbackRecord[]> {
    return this.run(() => {
      const states = options.states === undefined ? null : JSON.stringify(options.states);
      return this.s.rollbacks
        .all({ states, limit: options.limit ?? -1 })
        .map((row) => toRollback(row, () => this.planOf(row.id)));
    });
  }

  appendEvent(
    rollbackId: string,
    at: number,
    event: JournalEventData,
    fence?: Fence,
    outbox?: readonly OutboxMessage[],
  ): Promise<JournalEntry> {
    return this.write(() => {
      const rollback = this.s.rollbackEnvironment.get(rollbackId);
      if (rollback === undefined) throw rollbackNotFound(rollbackId);
      if (fence !== undefined) this.locks.assertFence(rollback.environment, rollbackId, fence);
      const seq = this.s.nextSeq.get(rollbackId)?.next ?? 1;
      this.insertEvent(rollbackId, seq, at, event);
      const state = stateAfter(event);
      // Only state changes rewrite the rollback row (it carries the plan): cheap writes per step.
      if (state !== undefined) this.s.setState.run(state, at, rollbackId);
      if (outbox !== undefined) this.outbox.insert(outbox);
      return { rollbackId, seq, at, event };
    });
  }

  checkpointEvents(checkpointId: string): Promise<CheckpointEvent[]> {
    return this.run(() => this.audit.of(checkpointId));
  }

  recordAlertDecision(d: AlertDecision, outbox?: readonly OutboxMessage[]): Promise<Recorded> {
    return this.write(() => {
      const recorded = this.alerts.record(d);
      if (recorded.recorded && outbox !== undefined) this.outbox.insert(outbox);
      return recorded;
    });
  }

  settleAlertDecision(
    environment: string,
    dedupeKey: string,
    update: AlertSettlement,
    outbox?: readonly OutboxMessage[],
  ): Promise<void> {
    return this.write(() => {
      this.alerts.settle(environment, dedupeKey, update);
      if (outbox !== undefined) this.outbox.insert(outbox);
    });
  }

  alertDecisions(environment: string, since: number): Promise<AlertDecision[]> {
    return this.run(() => this.alerts.since(environment, since));
  }

  claimOutbox(now: number, claimMs: number, limit: number): Promise<OutboxRow[]> {
    return this.write(() => this.outbox.claim(now, claimMs, limit));
  }

  settleOutbox(id: string, outcome: OutboxSettlement): Promise<void> {
    return this.write(() => this.outbox.settle(id, outcome));
  }

  listOutbox(options: OutboxQuery = {}): Promise<OutboxRow[]> {
    return this.run(() => this.outbox.list(options));
  }

  readJournal(rollbackId: string): Promise<JournalEntry[]> {
    return this.run(() => this.s.journal.all(rollbackId).map(toJournalEntry));
  }

  readFeed(after: number, limit: number): Promise<FeedEntry[]> {
    return this.run(() => this.s.feed.all(after, limit).map((r) => ({ ...toJournalEntry(r), feedId: r.id })));
  }

  feedHead(): Promise<number> {
    return this.run(() => this.s.feedHead.get()?.id ?? 0);
  }

  acquireLock(req: AcquireRequest): Promise<AcquireResult> {
    return this.run(() => this.locks.acquire(req));
  }

  renewLock(environment: string, fence: Fence, now: number, leaseMs: number): Promise<boolean> {
    return this.run(() => this.locks.renew(environment, fence, now, leaseMs));
  }

  parkLock(environment: string, fence: Fence): Promise<void> {
    return this.run(() => this.locks.parkLock(environment, fence));
  }

  releaseLock(environment: string, rollbackId: string): Promise<void> {
    return this.run(() => this.locks.releaseLock(environment, rollbackId));
  }

  getLock(environment: string): Promise<LockRecord | undefined> {
    return this.run(() => this.locks.getLock(environment));
  }

  joinQueue(
    environment: string,
    rollbackId: string,
    holder: Holder,
    now: number,
    heartbeatMs: number,
  ): Promise<void> {
    return this.run(() => this.locks.join(environment, rollbackId, holder, now, heartbeatMs));
  }

  heartbeatQueue(rollbackId: string, token: string, now: number, heartbeatMs: number): Promise<void> {
    return this.run(() => this.locks.beat(rollbackId, token, now, heartbeatMs));
  }

  leaveQueue(rollbackId: string): Promise<void> {
    return this.run(() => this.locks.leave(rollbackId));
  }

  listQueue(environment: string): Promise<QueueEntry[]> {
    return this.run(() => this.locks.list(environment));
  }

  runningStepGroups(): Promise<RunningStepGroup[]> {
    return this.run(() => {
      const open = new Map<string, RunningStepGroup[]>();
      for (const row of this.s.stepProcessEvents.all()) {
        const event = parseEvent<{ stepId?: string; pgid?: number; startTicks?: number; host?: string }>(
          row.data,
        );
        if (typeof event.stepId !== "string") continue;
        const key = `${row.rollback_id}\u0000${event.stepId}`;
        if (row.type !== "step-process") {
          open.delete(key);
          continue;
        }
        if (typeof event.pgid !== "number" || typeof event.host !== "string") continue;
        const list = open.get(key) ?? [];
        list.push({
          rollbackId: row.rollback_id,
          stepId: event.stepId,
          pgid: event.pgid,
          host: event.host,
          ...(typeof event.startTicks === "number" ? { startTicks: event.startTicks } : {}),
        });
        open.set(key, list);
      }
      return [...open.values()].flat();
    });
  }

  close(): Promise<void> {
    return this.run(() => {
      if (this.db.open) this.db.close();
    });
  }

  /**
   * SQLite's full integrity check of the file (every page, index and constraint): what
   * `backout doctor` reports. `ok` with no problems, or the problems SQLite names.
   */
  checkIntegrity(): Promise<{ ok: boolean; problems: string[] }> {
    return this.run(() => {
      let rows: { integrity_check: string }[];
      try {
        rows = this.db.pragma("integrity_check(100)") as { integrity_check: string }[];
      } catch (e) {
        // Too damaged for the check to go through: that is its finding, not a failure to check.
        if ((e as { code?: unknown }).code === "SQLITE_CORRUPT") return { ok: false, problems: [String(e)] };
        throw e;
      }
      const problems = rows.map((r) => r.integrity_check).filter((t) => t !== "ok");
      return { ok: problems.length === 0, problems };
    });
  }

  /** The settings in effect on this connection (for tests and `doctor`-style diagnostics). */
  pragmas(): SqlitePragmas {
    return this.sync(() => ({
      journalMode: String(this.db.pragma("journal_mode", { simple: true })),
      synchronous: Number(this.db.pragma("synchronous", { simple: true })),
      busyTimeout: Number(this.db.pragma("busy_timeout", { simple: true })),
      foreignKeys: Number(this.db.pragma("foreign_keys", { simple: true })) === 1,
      userVersion: Number(this.db.pragma("user_version", { simple: true })),
    }));
  }

  private findCheckpoint(idOrName: string): CheckpointRecord | undefined {
    const row = this.s.checkpointById.get(idOrName) ?? this.s.checkpointByName.get(idOrName);
    return row === undefined ? undefined : toCheckpoint(row);
  }

  /** Runs `fn`, turning SQLite failures into STORE_FAILED. */
  /** A listed rollback's plan, read when it is first asked for (rollbacks are never deleted). */
  private planOf(id: string): string {
    return this.sync(() => {
      const row = this.s.rollbackPlan.get(id);
      if (row === undefined) throw rollbackNotFound(id);
      return row.plan;
    });
  }

  private sync<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw toStoreError(e, this.file);
    }
  }

  /** Every journal row has its feed row, in the same transaction (the SSE order). */
  private insertEvent(rollbackId: string, seq: number, at: number, event: JournalEventData): void {
    this.s.insertEvent.run(rollbackId, seq, at, event.type, JSON.stringify(event));
    this.s.insertFeed.run(rollbackId, seq);
  }

  /** The Store is async (for PostgreSQL); here the work is done before the promise is made. */
  private run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(this.sync(fn));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** One IMMEDIATE transaction: the write lock is taken before anything is read. */
  private write<T>(fn: () => T): Promise<T> {
    return this.run(() => this.db.transaction(fn).immediate());
  }
}
