import { describe, expect, it } from "vitest";
import { createProgressRenderer } from "../../src/cli/progress/index.js";
import type { JournalEntry } from "../../src/core/journal-events.js";
import { escalationJournal } from "../report/journal-fixtures.js";
import { collectingStream, flush } from "./collect.js";

describe("json renderer", () => {
  it("emits one parseable entry per line, with the plan reduced to its hash and step count", async () => {
    const { plan, entries } = escalationJournal();
    const { stream, text } = collectingStream();
    const renderer = createProgressRenderer("json", stream, plan);
    for (const e of entries) renderer.onEvent(e);
    await renderer.close();
    await flush();
    const lines = text().trimEnd().split("\n");
    expect(lines).toHaveLength(entries.length);
    const parsed = lines.map((l) => JSON.parse(l) as JournalEntry);
    expect(parsed[0]).toEqual({
      rollbackId: entries[0]?.rollbackId,
      seq: 1,
      at: entries[0]?.at,
      event: { type: "queued", plan: { hash: plan.hash, steps: 3 }, requestedBy: "alice" },
    });
    expect(parsed.slice(1)).toEqual(entries.slice(1));
    expect(lines[0]!.length).toBeLessThan(300);
  });
});
