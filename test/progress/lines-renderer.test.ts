import { describe, expect, it } from "vitest";
import { createProgressRenderer, formatProgressLine } from "../../src/cli/progress/index.js";
import type { Plan } from "../../src/core/model.js";
import {
  escalationJournal,
  gateJournal,
  JournalBuilder,
  successJournal,
} from "../report/journal-fixtures.js";
import { collectingStream, flush } from "./collect.js";

describe("formatProgressLine", () => {
  it("uses the exact symbols of the brief", () => {
    expect(formatProgressLine("api", 1, 2, 66)).toBe(
      "\u23EE\uFE0F Rolling Back: api | \u2705 Restored: 1/2 | \u{1F504} Status: 66%",
    );
    expect(formatProgressLine("api", 1, 2, 66)).toBe(
      "⏮️ Rolling Back: api | ✅ Restored: 1/2 | 🔄 Status: 66%",
    );
  });
});

describe("lines renderer", () => {
  it("prints one line per change for a 3-step run", async () => {
    const { plan, entries } = successJournal();
    const { stream, text } = collectingStream();
    const renderer = createProgressRenderer("lines", stream, plan);
    for (const e of entries) renderer.onEvent(e);
    await renderer.close();
    await flush();
    expect(text().split("\n")).toEqual([
      "rollback rb-20250115-1 queued: 3 step(s), plan a1b2c3d4e5f6",
      "rollback started; must finish by 2025-01-15T10:15:00.050Z (in 15 min 0 s)",
      "⏮️ Rolling Back: api | ✅ Restored: 0/2 | 🔄 Status: 0%",
      "⏮️ Rolling Back: api | ✅ Restored: 0/2 | 🔄 Status: 33%",
      "⏮️ Rolling Back: api | ✅ Restored: 0/2 | 🔄 Status: 33%",
      "⏮️ Rolling Back: api | ✅ Restored: 1/2 | 🔄 Status: 66%",
      "⏮️ Rolling Back: db | ✅ Restored: 1/2 | 🔄 Status: 66%",
      "⏮️ Rolling Back: db | ✅ Restored: 2/2 | 🔄 Status: 100%",
      "rollback succeeded",
      "",
    ]);
  });

  it("prints failures, retries and the escalation as short lines", async () => {
    const { plan, entries } = escalationJournal();
    const { stream, text } = collectingStream();
    const renderer = createProgressRenderer("lines", stream, plan, { maxAttempts: 3 });
    for (const e of entries.slice(2)) renderer.onEvent(e);
    await renderer.close();
    await flush();
    expect(text().split("\n")).toEqual([
      "⏮️ Rolling Back: api | ✅ Restored: 0/2 | 🔄 Status: 0%",
      "✖ api#1:switch-release failed (attempt 1/3): ln exited with code 1 (attempt 1); retrying in 1 s",
      "⏮️ Rolling Back: api | ✅ Restored: 0/2 | 🔄 Status: 0%",
      "✖ api#1:switch-release failed (attempt 2/3): ln exited with code 1 (attempt 2); retrying in 2 s",
      "⏮️ Rolling Back: api | ✅ Restored: 0/2 | 🔄 Status: 0%",
      "✖ api#1:switch-release failed (attempt 3/3): ln exited with code 1 (attempt 3); giving up",
      "rollback escalated: api#1:switch-release failed 3 times (failed: api#1:switch-release; done 0, not done 3)",
      "rollback escalation channel notified",
      "rollback escalated: api#1:switch-release failed 3 times",
      "",
    ]);
  });

  it("prints the gate wait and approval", async () => {
    const { plan, entries } = gateJournal();
    const { stream, text } = collectingStream();
    const renderer = createProgressRenderer("lines", stream, plan);
    for (const e of entries.slice(6, 8)) renderer.onEvent(e);
    await flush();
    expect(text().split("\n")).toEqual([
      "rollback paused: db#1:migrate-down may lose data; confirm plan d4f100000000 with `backout approve rb-20250115-1 --plan-hash d4f100000000`",
      "rollback data-loss gate approved by bob via approve",
      "",
    ]);
  });

  it("counts a skipped step as restored and reports 100% for an empty plan", async () => {
    const { plan } = successJournal();
    const onlyApi1: Plan = { ...plan, steps: plan.steps.slice(0, 1) };
    const { stream, text } = collectingStream();
    const renderer = createProgressRenderer("lines", stream, onlyApi1);
    const j = new JournalBuilder().add(10, {
      type: "step-succeeded",
      stepId: "api#1:switch-release",
      attempt: 1,
      durationMs: 3,
      skipped: "already-at-target",
    });
    for (const e of j.entries) renderer.onEvent(e);
    await flush();
    expect(text()).toBe("⏮️ Rolling Back: api | ✅ Restored: 1/1 | 🔄 Status: 100%\n");
  });

  it("writes nothing after close", async () => {
    const { plan, entries } = successJournal();
    const { stream, text } = collectingStream();
    const renderer = createProgressRenderer("lines", stream, plan);
    await renderer.close();
    renderer.onEvent(entries[2]!);
    await flush();
    expect(text()).toBe("");
  });
});

describe("lines renderer after a resume", () => {
  it("counts the steps done before the resume, so the last line shows the final counts", async () => {
    const { plan, entries } = successJournal();
    // Crash after api#2 succeeded; the resumed process sees db#1 verified at target, then finishes.
    const before = entries.slice(0, 6);
    const { stream, text } = collectingStream();
    const renderer = createProgressRenderer("lines", stream, plan, { history: before });
    const base = entries[entries.length - 1]?.at ?? 0;
    const at = (seq: number, event: (typeof entries)[number]["event"]) => ({
      rollbackId: plan.hash,
      seq,
      at: base + seq,
      event,
    });
    renderer.onEvent(at(20, { type: "step-verified", stepId: "db#1:migrate-down", reached: true }));
    renderer.onEvent(at(21, { type: "finished", state: "succeeded" }));
    await renderer.close();
    await flush();
    const lines = text().trimEnd().split("\n");
    expect(lines.slice(-2)).toEqual([
      "⏮️ Rolling Back: db | ✅ Restored: 2/2 | 🔄 Status: 100%",
      "rollback succeeded",
    ]);
  });
});
