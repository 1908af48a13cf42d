/**
 * The one probe loop (release health, the nginx probe and the checks run through it), driven by
 * a ManualClock: the waits and the per-try timeout happen only when the test moves time.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { probeWithRetry, type ProbeTry, type RetryPolicy } from "../../src/core/probe-retry.js";
import { until } from "../support/until.js";

/** Starts a probe whose tries answer from `answers` (true passes), recording when each ran. */
function scripted(policy: RetryPolicy, answers: boolean[], signal?: AbortSignal) {
  const clock = new ManualClock(0);
  const triedAt: number[] = [];
  const run = probeWithRetry(policy, {
    clock,
    signal,
    attempt: () => {
      triedAt.push(clock.now());
      return Promise.resolve(answers[triedAt.length - 1] ?? false);
    },
    passes: (ok) => ok,
  });
  return { clock, triedAt, run };
}

/** Waits (polling, in real time) until the loop is parked on the clock after `tries` tries. */
async function parked(s: { clock: ManualClock; triedAt: number[] }, tries: number): Promise<void> {
  await until(
    `try ${tries} then a wait on the clock`,
    () => s.triedAt.length === tries && s.clock.pendingSleepers === 1,
  );
}

describe("probeWithRetry", () => {
  it("tries again after the interval until a try passes", async () => {
    const s = scripted({ attempts: 5, intervalMs: 1000 }, [false, false, true]);
    await parked(s, 1);
    s.clock.advance(999);
    expect(s.triedAt).toEqual([0]);
    s.clock.advance(1);
    await parked(s, 2);
    s.clock.advance(1000);
    expect(await s.run).toEqual({ last: true, attempts: 3, passed: true, cancelled: false });
    expect(s.triedAt).toEqual([0, 1000, 2000]);
  });

  it("gives up after its attempts with the last result, and does not wait after the last try", async () => {
    const s = scripted({ attempts: 3, intervalMs: 500 }, []);
    for (const n of [1, 2]) {
      await parked(s, n);
      s.clock.advance(500);
    }
    expect(await s.run).toEqual({ last: false, attempts: 3, passed: false, cancelled: false });
    expect(s.clock.pendingSleepers).toBe(0);
    expect(s.clock.now()).toBe(1000);
  });

  it("needs `confirmations` passes in a row: a failure in between starts the count again", async () => {
    const s = scripted({ attempts: 6, intervalMs: 10, confirmations: 2 }, [true, false, true, true]);
    for (const n of [1, 2, 3]) {
      await parked(s, n);
      s.clock.advance(10);
    }
    expect(await s.run).toMatchObject({ attempts: 4, passed: true });
  });

  it("ends a hung try at timeoutMs by the clock, and the try knows it was the timeout", async () => {
    const clock = new ManualClock(0);
    const seen: { attempt: number; timedOut: boolean; at: number }[] = [];
    const hangs = (t: ProbeTry) =>
      new Promise<boolean>((resolve) =>
        t.signal.addEventListener("abort", () => {
          seen.push({ attempt: t.attempt, timedOut: t.timedOut(), at: clock.now() });
          resolve(false);
        }),
      );
    const run = probeWithRetry(
      { attempts: 2, intervalMs: 100, timeoutMs: 500 },
      { clock, attempt: hangs, passes: (ok) => ok },
    );
    await until("the first try's timeout armed", () => clock.pendingSleepers === 1);
    clock.advance(499);
    expect(seen).toEqual([]);
    clock.advance(1);
    await until("the interval wait", () => seen.length === 1 && clock.pendingSleepers === 1);
    clock.advance(100);
    await until("the second try's timeout armed", () => clock.pendingSleepers === 1);
    clock.advance(500);
    expect(await run).toMatchObject({ attempts: 2, passed: false, cancelled: false });
    expect(seen).toEqual([
      { attempt: 1, timedOut: true, at: 500 },
      { attempt: 2, timedOut: true, at: 1100 },
    ]);
  });

  it("a try that answers in time leaves no timer behind", async () => {
    const s = scripted({ attempts: 1, intervalMs: 0, timeoutMs: 60_000 }, [true]);
    expect(await s.run).toMatchObject({ passed: true, attempts: 1 });
    expect(s.clock.pendingSleepers).toBe(0);
  });

  it("the caller's cancel aborts the try in flight (not as a timeout) and no try follows", async () => {
    const clock = new ManualClock(0);
    const cancel = new AbortController();
    const timedOut: boolean[] = [];
    const run = probeWithRetry(
      { attempts: 5, intervalMs: 100, timeoutMs: 500 },
      {
        clock,
        signal: cancel.signal,
        attempt: (t) =>
          new Promise<boolean>((resolve) =>
            t.signal.addEventListener("abort", () => {
              timedOut.push(t.timedOut());
              resolve(false);
            }),
          ),
        passes: (ok) => ok,
      },
    );
    await until("the try in flight", () => clock.pendingSleepers === 1);
    cancel.abort();
    expect(await run).toEqual({ last: false, attempts: 1, passed: false, cancelled: true });
    expect(timedOut).toEqual([false]);
  });

  it("a cancel during the wait stops before the next try", async () => {
    const cancel = new AbortController();
    const s = scripted({ attempts: 5, intervalMs: 1000 }, [false, true], cancel.signal);
    await parked(s, 1);
    cancel.abort();
    expect(await s.run).toEqual({ last: false, attempts: 1, passed: false, cancelled: true });
    expect(s.triedAt).toEqual([0]);
  });

  it("cancelled before the first try: nothing runs", async () => {
    const cancel = new AbortController();
    cancel.abort();
    const s = scripted({ attempts: 3, intervalMs: 1 }, [true], cancel.signal);
    expect(await s.run).toEqual({ last: undefined, attempts: 0, passed: false, cancelled: true });
    expect(s.triedAt).toEqual([]);
  });
});
