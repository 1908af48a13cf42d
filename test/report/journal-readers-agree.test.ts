/**
 * The report's foldJournal and the executor's readExecutionState read the same journal; they
 * must agree on what it says, and refuse the same journals the same way (a journal that does not
 * open with "queued" used to be STORE_FAILED for one and a plain Error, an INTERNAL, for the other).
 */
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import { readExecutionState } from "../../src/core/executor/execution-state.js";
import type { JournalEntry } from "../../src/core/journal-events.js";
import { foldJournal } from "../../src/report/fold-journal.js";
import {
  cutOffJournal,
  escalationJournal,
  gateJournal,
  ROLLBACK_ID,
  successJournal,
} from "./journal-fixtures.js";

function refusal(read: () => unknown): { code: string; message: string } {
  try {
    read();
  } catch (e) {
    expect(e).toBeInstanceOf(BackoutError);
    const err = e as BackoutError;
    return { code: err.code, message: err.message };
  }
  throw new Error("the reader accepted the journal");
}

const journals = {
  success: successJournal,
  escalation: escalationJournal,
  gate: gateJournal,
  cutOff: cutOffJournal,
};

describe("the two journal readers agree", () => {
  for (const [name, make] of Object.entries(journals)) {
    it(`on the plan and the finished steps of the ${name} journal, in any order and mixed with another rollback's`, () => {
      const { entries } = make();
      const other = entries.map((e) => ({ ...e, rollbackId: "rb-other" }));
      const mixed: JournalEntry[] = [...entries].reverse().concat(other, entries.slice(0, 2));
      for (const journal of [entries, mixed]) {
        const view = foldJournal(ROLLBACK_ID, journal);
        const state = readExecutionState(ROLLBACK_ID, journal);
        expect(state.plan).toBe(view.plan);
        const succeeded = [...state.steps].filter(([, s]) => s.succeeded).map(([id]) => id);
        expect(succeeded).toEqual(view.steps.filter((s) => s.status === "succeeded").map((s) => s.id));
        expect(state.finished).toBe(view.finishedAt !== undefined);
      }
    });
  }

  it('on a journal that does not start with "queued": both refuse it as STORE_DAMAGED, in the same words', () => {
    const { entries } = successJournal();
    for (const journal of [
      entries.slice(1),
      entries.slice(1).reverse(),
      [entries[3]!, entries[0]!].map((e, i) => ({ ...e, seq: i + 1 })),
    ]) {
      const fold = refusal(() => foldJournal(ROLLBACK_ID, journal));
      const exec = refusal(() => readExecutionState(ROLLBACK_ID, journal));
      expect(fold.code).toBe("STORE_DAMAGED");
      expect(exec).toEqual(fold);
      expect(fold.message).toMatch(/does not start with a "queued" event/);
    }
  });

  it("on a journal with no entries of this rollback: both say ROLLBACK_NOT_FOUND", () => {
    const { entries } = successJournal();
    const others = entries.map((e) => ({ ...e, rollbackId: "rb-other" }));
    for (const journal of [[], others]) {
      const fold = refusal(() => foldJournal(ROLLBACK_ID, journal));
      expect(fold.code).toBe("ROLLBACK_NOT_FOUND");
      expect(refusal(() => readExecutionState(ROLLBACK_ID, journal))).toEqual(fold);
    }
  });
});
