import type { Holder, JournalEntry, JournalEventData } from "../../core/journal-events.js";
import type { CheckpointRecord, ComponentState, Plan, RollbackState } from "../../core/model.js";
import { BackoutError } from "../../core/errors.js";
import type { LockRecord, QueueEntry, RollbackRecord } from "../store.js";

/** Rows as SQLite returns them, and their conversion to the store's records. */

export interface CheckpointRow {
  id: string;
  name: string;
  environment: string;
  created_at: number;
  good: number;
  marked_good_at: number | null;
  components: string;
}

export interface RollbackRow {
  id: string;
  environment: string;
  checkpoint_id: string;
  plan_hash: string;
  plan: string;
  state: string;
  created_at: number;
  updated_at: number;
}

/** A rollbacks row as listings read it: everything but the plan. */
export type RollbackSummaryRow = Omit<RollbackRow, "plan">;

export interface JournalRow {
  rollback_id: string;
  seq: number;
  at: number;
  data: string;
}

export interface LockRow {
  environment: string;
  rollback_id: string | null;
  holder: string | null;
  epoch: number;
  lease_expires_at: number | null;
}

export interface QueueRow {
  seq: number;
  environment: string;
  rollback_id: string;
  holder: string;
  enqueued_at: number;
  heartbeat_expires_at: number;
}

/**
 * Only our own code writes these columns, so the shape is trusted; text that is not JSON means
 * the file was damaged underneath SQLite (truncated, overwritten): STORE_DAMAGED, never INTERNAL.
 */
export function parseJson<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new BackoutError("STORE_DAMAGED", `the state database holds a damaged record: ${String(e)}`, {
      hint: "the store file was damaged (disk error, truncation, an outside write); run `backout doctor`, restore .backout from a backup",
      cause: e,
    });
  }
}

/**
 * A partial checkpoint keeps its unreadable components in the components column, under a key no
 * component name can have (names start with a letter or digit), so no schema change is needed.
 */
export const UNREADABLE_KEY = "$unreadable";

export function checkpointComponentsJson(cp: CheckpointRecord): string {
  return JSON.stringify(
    cp.unreadable ? { ...cp.components, [UNREADABLE_KEY]: cp.unreadable } : cp.components,
  );
}

export function toCheckpoint(row: CheckpointRow): CheckpointRecord {
  const { [UNREADABLE_KEY]: unreadable, ...components } = parseJson<Record<string, unknown>>(row.components);
  return {
    id: row.id,
    name: row.name,
    environment: row.environment,
    createdAt: row.created_at,
    good: row.good === 1,
    markedGoodAt: row.marked_good_at ?? undefined,
    components: components as Record<string, ComponentState>,
    ...(unreadable === undefined ? {} : { unreadable: unreadable as Record<string, string> }),
  };
}

/**
 * `planText` is the stored plan, or how to read it: listings leave the plan column out (status,
 * history and the default target mostly never look at plans, and reading a long history of
 * them was most of what they cost), and read a rollback's plan only when it is asked for.
 */
export function toRollback(row: RollbackSummaryRow, planText: string | (() => string)): RollbackRecord {
  let plan: Plan | undefined;
  return {
    id: row.id,
    environment: row.environment,
    checkpointId: row.checkpoint_id,
    planHash: row.plan_hash,
    // Parsed on first read too.
    get plan() {
      return (plan ??= parseJson<Plan>(typeof planText === "string" ? planText : planText()));
    },
    state: row.state as RollbackState,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toJournalEntry(row: JournalRow): JournalEntry {
  return {
    rollbackId: row.rollback_id,
    seq: row.seq,
    at: row.at,
    event: parseJson<JournalEventData>(row.data),
  };
}

export function holderOf(text: string | null): Holder | undefined {
  return text === null ? undefined : parseJson<Holder>(text);
}

/** A free row (rollback_id NULL) is no lock at all. */
export function toLock(row: LockRow | undefined): LockRecord | undefined {
  if (row === undefined || row.rollback_id === null) return undefined;
  return {
    environment: row.environment,
    rollbackId: row.rollback_id,
    holder: holderOf(row.holder),
    epoch: row.epoch,
    leaseExpiresAt: row.lease_expires_at ?? undefined,
  };
}

export function toQueueEntry(row: QueueRow): QueueEntry {
  return {
    environment: row.environment,
    rollbackId: row.rollback_id,
    seq: row.seq,
    holder: parseJson<Holder>(row.holder),
    enqueuedAt: row.enqueued_at,
    heartbeatExpiresAt: row.heartbeat_expires_at,
  };
}
