/**
 * Restore-and-replay: the contracts between its parts (checkpoint-time snapshot, change
 * capture, restore, replay). See issue 4 ("postgres restore-and-replay").
 */

/** What a checkpoint records for a component with `snapshot: dump | pitr` (in ComponentState.details.snapshot). */
export interface SnapshotRecord {
  mode: "dump" | "pitr";
  /** The checkpoint that took it (absent in records written before it was recorded). */
  checkpointId?: string;
  /** Logical replication slot (wal2json) created at the checkpoint; changes since flow through it. */
  slot: string;
  /** The slot's consistent point: the first LSN whose changes the slot delivers. */
  slotLsn: string;
  /** Name given to pg_create_restore_point, and the LSN it returned. */
  restorePoint: string;
  restoreLsn: string;
  /** dump: the pg_dump -Fc file taken at the slot's exported snapshot (absolute path). */
  dumpFile?: string;
  /** pitr: base backup directory and WAL archive directory (absolute paths). */
  baseBackup?: string;
  walArchive?: string;
  database: string;
  createdAt: number;
}

/** One row change decoded from the slot (wal2json format-version 2), in commit order. */
export interface CapturedChange {
  /** Position in the capture store: strictly increasing in commit order, then within the transaction. */
  seq: number;
  xid: number;
  /** LSN of the change and of its transaction's commit (text "0/16B3748"). */
  lsn: string;
  commitLsn: string;
  /** ISO timestamp of the commit. */
  commitTime: string;
  schema: string;
  table: string;
  op: "insert" | "update" | "delete" | "truncate";
  /** Replica-identity (primary key) columns and their values before the change (update/delete) or of the new row (insert). */
  keys: Record<string, unknown>;
  /** New column values (insert/update); {} for delete/truncate. */
  values: Record<string, unknown>;
  /** Column types as wal2json reports them (name → type), for casting on replay. */
  types: Record<string, string>;
  /** The transaction wrote the migration tool's history table: it belongs to a migration, not a user. */
  migration: boolean;
  /**
   * How many changes this row stands for (default 1). A migration's transaction is never
   * replayed, so it is stored as one row per table and operation with its count (a backfill of
   * a million rows is a few rows, not a million).
   */
  count?: number;
}

/**
 * Durable store of captured changes outside the database being restored (a SQLite file under
 * the environment's .backout/capture/). Appends are idempotent by LSN, so draining the slot
 * again after a crash adds nothing twice.
 */
export interface CaptureStore {
  readonly file: string;
  /** Appends changes not yet stored (by commitLsn + lsn + position); returns how many were new (counts included). */
  append(changes: Omit<CapturedChange, "seq">[]): number;
  /** Changes with seq > afterSeq, in order, at most `limit`. */
  read(afterSeq: number, limit: number): CapturedChange[];
  /** Changes stored (a collapsed migration row counts as the changes it stands for). */
  count(): number;
  /** The newest commit LSN stored (to advance the slot to), or undefined. */
  lastCommitLsn(): string | undefined;
  close(): void;
}

/** What replay did, per table, for the report and the "nothing lost" invariant. */
export interface ReplaySummary {
  window: { from: string | undefined; to: string | undefined };
  tables: Record<string, { replayed: number; archived: number; skipped: number }>;
  migrationChangesSkipped: number;
  /** Every change committed after the checkpoint is in the live database or in the archive. */
  invariantHolds: boolean;
  invariantDetail: string;
  /** Time this call spent checking the tables against the replay (part of its elapsed time). */
  checkedMs?: number;
  /**
   * Rows this call replayed (`tables` counts every call since the first): a rate is this
   * divided by this call's time, never the cumulative count by one pass's time.
   */
  passReplayed?: number;
}
