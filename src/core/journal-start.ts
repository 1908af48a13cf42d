/**
 * The one reading of a journal's start that both journal readers apply: the report's
 * foldJournal and the executor's readExecutionState. A rollback's journal is its own entries in
 * seq order, and it opens with the "queued" event that carries the plan. When that is not so the
 * store is damaged (or was edited), and both readers refuse it with the same error instead of
 * one folding a view and the other resuming from a guess.
 */
import { BackoutError } from "./errors.js";
import type { JournalEntry, JournalEventData } from "./journal-events.js";

export type QueuedEntry = JournalEntry & { event: Extract<JournalEventData, { type: "queued" }> };

/** Only this rollback's entries, by seq, each seq once (a re-read page may repeat rows). */
export function journalOrder(rollbackId: string, entries: readonly JournalEntry[]): JournalEntry[] {
  const bySeq = new Map<number, JournalEntry>();
  for (const e of entries) {
    if (e.rollbackId === rollbackId && !bySeq.has(e.seq)) bySeq.set(e.seq, e);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The "queued" entry `ordered` (journalOrder's result) must open with. */
export function queuedStart(rollbackId: string, ordered: readonly JournalEntry[]): QueuedEntry {
  const first = ordered[0];
  if (!first) {
    throw new BackoutError("ROLLBACK_NOT_FOUND", `rollback ${rollbackId} has no journal entries`, {
      hint: "Check the id with `backout history`.",
      details: { rollbackId },
    });
  }
  if (first.event.type !== "queued") {
    throw new BackoutError(
      "STORE_DAMAGED",
      `the journal of rollback ${rollbackId} does not start with a "queued" event (seq ${first.seq} is "${first.event.type}")`,
      {
        hint: "The store is damaged or the journal was edited; restore it from a backup.",
        details: { rollbackId, seq: first.seq },
      },
    );
  }
  return first as QueuedEntry;
}
