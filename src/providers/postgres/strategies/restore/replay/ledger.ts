/**
 * Replay's own tables in the archive schema: replay_unmapped (writes that could not be put back,
 * with their keys and why) and replay_progress (how far replay got, and its counts). Both are
 * written in each batch's transaction, so a crash loses nothing and repeats nothing.
 */
import type { Queryable } from "../../../connection/queryable.js";
import { qualified, quoteIdent } from "../../../sql/quote.js";
import { toJson } from "./values.js";
import type { StateCheck } from "./verify-state.js";
import { replayState } from "../../../errors.js";

export const UNMAPPED_TABLE = "replay_unmapped";
export const PROGRESS_TABLE = "replay_progress";

export interface TableCounts {
  replayed: number;
  archived: number;
  skipped: number;
}

/** Kept as jsonb in replay_progress.stats: the summary survives a crash and a resume. */
export interface ReplayStats {
  tables: Record<string, TableCounts>;
  /** Changes read from the store so far (all kinds). */
  read: number;
  migration: number;
  /** Changes archived whole (not replayed) / replayed with some columns archived. */
  archivedWhole: number;
  partial: number;
  from?: string;
  to?: string;
  done: boolean;
  /** The restored tables compared with what replay wrote, when replay finished. */
  state?: StateCheck;
  /**
   * The rows written by changes up to this seq were compared already (by an earlier pass):
   * a later pass compares only the rows it wrote, so the check under the block stays small.
   */
  checkedSeq?: number;
  /**
   * The archive rows of changes up to `seq` were counted already (by an earlier pass): a later
   * pass counts only the rows after it, so the count under the block does not read them all.
   */
  archiveCounted?: ArchiveCount & { seq: number };
}

export interface ArchiveCount {
  whole: number;
  partial: number;
}

export const emptyStats = (): ReplayStats => ({
  tables: {},
  read: 0,
  migration: 0,
  archivedWhole: 0,
  partial: 0,
  done: false,
});

export interface UnmappedRow {
  seq: number;
  table: string;
  op: string;
  keys: Record<string, unknown>;
  values: Record<string, unknown>;
  reason: string;
  /** True when the change itself was replayed and only some of its columns are kept here. */
  partial: boolean;
}

export async function ensureLedger(db: Queryable, schema: string): Promise<void> {
  await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${qualified(schema, UNMAPPED_TABLE)} (
       rollback_id text NOT NULL,
       seq bigint NOT NULL,
       "table" text NOT NULL,
       op text NOT NULL,
       keys jsonb NOT NULL,
       "values" jsonb NOT NULL,
       reason text NOT NULL,
       partial boolean NOT NULL DEFAULT false,
       archived_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (rollback_id, seq)
     )`,
  );
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${qualified(schema, PROGRESS_TABLE)} (
       rollback_id text PRIMARY KEY,
       last_seq bigint NOT NULL,
       stats jsonb NOT NULL,
       updated_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
}

export interface Progress {
  lastSeq: number;
  stats: ReplayStats;
}

/** Creates the progress row if needed and returns it. */
export async function startProgress(db: Queryable, schema: string, rollbackId: string): Promise<Progress> {
  await db.query(
    `INSERT INTO ${qualified(schema, PROGRESS_TABLE)} (rollback_id, last_seq, stats)
     VALUES ($1, 0, $2::jsonb) ON CONFLICT (rollback_id) DO NOTHING`,
    [rollbackId, toJson(emptyStats())],
  );
  return readProgress(db, schema, rollbackId, false);
}

/** The progress row; `lock` takes it FOR UPDATE, so two replays cannot interleave batches. */
export async function readProgress(
  db: Queryable,
  schema: string,
  rollbackId: string,
  lock: boolean,
): Promise<Progress> {
  const { rows } = await db.query<{ last_seq: string; stats: ReplayStats }>(
    `SELECT last_seq, stats FROM ${qualified(schema, PROGRESS_TABLE)} WHERE rollback_id = $1${lock ? " FOR UPDATE" : ""}`,
    [rollbackId],
  );
  const row = rows[0];
  if (!row) throw replayState(`replay progress for rollback ${rollbackId} is missing`);
  return { lastSeq: Number(row.last_seq), stats: row.stats };
}

export async function saveProgress(
  db: Queryable,
  schema: string,
  rollbackId: string,
  progress: Progress,
): Promise<void> {
  await db.query(
    `UPDATE ${qualified(schema, PROGRESS_TABLE)} SET last_seq = $2, stats = $3::jsonb, updated_at = now()
      WHERE rollback_id = $1`,
    [rollbackId, progress.lastSeq, toJson(progress.stats)],
  );
}

/** One statement for the batch's archive rows; ON CONFLICT keeps a re-run from duplicating them. */
export async function archiveRows(
  db: Queryable,
  schema: string,
  rollbackId: string,
  rows: UnmappedRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO ${qualified(schema, UNMAPPED_TABLE)} (rollback_id, seq, "table", op, keys, "values", reason, partial)
     SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::text[], $5::jsonb[], $6::jsonb[], $7::text[], $8::bool[])
     ON CONFLICT (rollback_id, seq) DO NOTHING`,
    [
      rollbackId,
      rows.map((r) => r.seq),
      rows.map((r) => r.table),
      rows.map((r) => r.op),
      rows.map((r) => toJson(r.keys)),
      rows.map((r) => toJson(r.values)),
      rows.map((r) => r.reason),
      rows.map((r) => r.partial),
    ],
  );
}

/**
 * Archive rows of this rollback, whole changes and partial (dropped-column) ones: those after
 * the seq an earlier pass counted up to (an index range), added to what that pass counted.
 */
export async function countArchived(
  db: Queryable,
  schema: string,
  rollbackId: string,
  counted: ReplayStats["archiveCounted"],
): Promise<ArchiveCount> {
  const { rows } = await db.query<{ whole: string; partial: string }>(
    `SELECT count(*) FILTER (WHERE NOT partial) AS whole, count(*) FILTER (WHERE partial) AS partial
       FROM ${qualified(schema, UNMAPPED_TABLE)} WHERE rollback_id = $1 AND seq > $2`,
    [rollbackId, counted?.seq ?? 0],
  );
  return {
    whole: (counted?.whole ?? 0) + Number(rows[0]?.whole ?? 0),
    partial: (counted?.partial ?? 0) + Number(rows[0]?.partial ?? 0),
  };
}
