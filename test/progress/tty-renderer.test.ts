import { describe, expect, it, vi } from "vitest";
import { createProgressRenderer } from "../../src/cli/progress/index.js";
import { escalationJournal, gateJournal, successJournal } from "../report/journal-fixtures.js";
import { collectingStream, flush } from "./collect.js";

/** Fails the test if anything rejects without a handler while the renderer runs. */
function watchRejections(): { rejections: unknown[]; stop: () => void } {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on("unhandledRejection", onRejection);
  return { rejections, stop: () => process.off("unhandledRejection", onRejection) };
}

describe("tty renderer", () => {
  it("runs a successful rollback to completion", async () => {
    const { plan, entries } = successJournal();
    const { stream, text } = collectingStream();
    const renderer = createProgressRenderer("tty", stream, plan);
    for (const e of entries) renderer.onEvent(e);
    await renderer.close();
    await flush();
    expect(text()).toContain("api: switch current to 20250110-1200");
    expect(text()).toContain("db: reverse migration 42_add_nickname");
  });

  it("survives failures, retries and an escalation without unhandled rejections", async () => {
    const watch = watchRejections();
    try {
      const { plan, entries } = escalationJournal();
      const { stream, text } = collectingStream();
      const renderer = createProgressRenderer("tty", stream, plan, { maxAttempts: 3 });
      for (const e of entries) {
        renderer.onEvent(e);
        await flush(); // let listr2 react between events, as it would live
      }
      await renderer.close();
      await flush();
      expect(text()).toContain("attempt 3/3 failed");
      expect(watch.rejections).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it("copes with a failure that arrives before listr2 started the task", async () => {
    const watch = watchRejections();
    try {
      const { plan, entries } = escalationJournal();
      const { stream } = collectingStream();
      const renderer = createProgressRenderer("tty", stream, plan);
      for (const e of entries) renderer.onEvent(e); // all at once, no chance to render in between
      await renderer.close();
      await flush();
      expect(watch.rejections).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  it("closes when events stop arriving (paused on the gate)", async () => {
    const { plan, entries } = gateJournal();
    const { stream, text } = collectingStream();
    const renderer = createProgressRenderer("tty", stream, plan);
    for (const e of entries.slice(0, 7)) renderer.onEvent(e);
    await expect(renderer.close()).resolves.toBeUndefined();
    await flush();
    expect(text()).toContain("not run: rollback awaiting-confirmation");
  });

  it("closes immediately when no event ever arrived, and twice", async () => {
    const { plan } = successJournal();
    const { stream } = collectingStream();
    const renderer = createProgressRenderer("tty", stream, plan);
    const done = vi.fn();
    await Promise.resolve(renderer.close()).then(done);
    await renderer.close();
    expect(done).toHaveBeenCalledOnce();
  });
});
