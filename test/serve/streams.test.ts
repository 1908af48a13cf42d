/**
 * The drain limit of one event stream: a client that takes nothing for STREAM_DRAIN_LIMIT_MS is
 * reported stuck (the route drops it), one that takes what was written, or goes away, is not.
 * A Writable whose writes never complete stands for a client that stopped reading.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { STREAM_DRAIN_LIMIT_MS, writeWithin } from "../../src/serve/streams.js";

/** A stream whose pending write completes only when `take()` is called. */
function client(): { out: Writable; take: () => void } {
  let pending: (() => void) | undefined;
  const out = new Writable({
    highWaterMark: 4,
    write(_chunk, _enc, done) {
      pending = done;
    },
  });
  return { out, take: () => pending?.() };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("writeWithin", () => {
  it("a write the stream takes at once is written without waiting", async () => {
    const { out } = client();
    expect(await writeWithin(out, "ab", new ManualClock())).toBe("written");
  });

  it("a client that takes nothing within the limit is stuck; not a moment before", async () => {
    const clock = new ManualClock();
    const { out } = client();
    let result: string | undefined;
    void writeWithin(out, "more than four bytes", clock).then((r) => (result = r));
    await settle();
    clock.advance(STREAM_DRAIN_LIMIT_MS - 1);
    await settle();
    expect(result).toBeUndefined();
    clock.advance(1);
    await settle();
    expect(result).toBe("stuck");
  });

  it("a client that takes it in time is written, and leaves no timer or listener behind", async () => {
    const clock = new ManualClock();
    const { out, take } = client();
    const r = writeWithin(out, "more than four bytes", clock);
    await settle();
    take();
    expect(await r).toBe("written");
    expect(clock.pendingSleepers).toBe(0);
    expect(out.listenerCount("drain") + out.listenerCount("close")).toBe(0);
  });

  it("a stream closed while waiting is closed, not stuck", async () => {
    const clock = new ManualClock();
    const { out } = client();
    const r = writeWithin(out, "more than four bytes", clock);
    await settle();
    out.destroy();
    expect(await r).toBe("closed");
    expect(clock.pendingSleepers).toBe(0);
  });
});
