import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/core/clock.js";
import { runCheck, runChecks } from "../../src/validate/run-check.js";
import { plain, spec, startTestServer, type TestServer } from "./servers.js";

/**
 * A clock that records the pauses between attempts and does not wait. An attempt's timeout (a
 * wait the attempt's end cuts short, so it comes with a signal) never comes: the attempts here
 * answer at once.
 */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now(),
    sleep: (ms, signal) => {
      if (signal) return new Promise((r) => signal.addEventListener("abort", () => r(), { once: true }));
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
}

describe("runCheck retries and runChecks", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("retries a failing check after `interval` until it passes", async () => {
    const clock = recordingClock();
    const url = `${server.url}/flaky?fail=2`;
    const r = await runCheck(spec({ http: url, retries: 3, interval: "2s" }), { ...plain, clock });
    expect(r.status).toBe("pass");
    expect(r.detail).toMatch(/answered 200 in \d+ms \(attempt 3 of 4\)$/);
    expect(server.hits("/flaky")).toBe(3);
    expect(clock.sleeps).toEqual([2000, 2000]);
  });

  it("reports the last attempt when every attempt fails", async () => {
    const clock = recordingClock();
    const r = await runCheck(spec({ http: `${server.url}/down`, retries: 2 }), { ...plain, clock });
    expect(r.status).toBe("fail");
    expect(r.detail).toMatch(/answered 503 .* \(attempt 3 of 3\)$/);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it("does not retry a check that passes", async () => {
    const clock = recordingClock();
    const before = server.hits("/ok");
    const r = await runCheck(spec({ http: `${server.url}/ok`, retries: 5 }), { ...plain, clock });
    expect(r.status).toBe("pass");
    expect(r.detail).not.toContain("attempt");
    expect(server.hits("/ok")).toBe(before + 1);
    expect(clock.sleeps).toEqual([]);
  });

  it("ends a check in flight as an error when cancelled, without retrying", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const started = Date.now();
    const r = await runCheck(spec({ http: `${server.url}/hang`, timeout: "10s", retries: 5 }), {
      ...plain,
      signal: ac.signal,
    });
    expect(r.status).toBe("error");
    expect(r.detail).toContain("cancelled");
    // Well under the 10 s timeout: only the cancellation can have ended it.
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  it("runs checks at most `concurrency` at a time and keeps their order", async () => {
    const specs = [100, 150, 50, 120, 80, 60].map((ms) =>
      spec({ http: `${server.url}/slow?ms=${ms}`, retries: 0 }),
    );
    specs.push(spec({ http: `${server.url}/down`, retries: 0 }));
    const results = await runChecks(specs, plain, 2);
    expect(results.map((r) => r.name)).toEqual(specs.map((s) => `http GET ${"http" in s ? s.http : ""}`));
    expect(results.map((r) => r.status)).toEqual(["pass", "pass", "pass", "pass", "pass", "pass", "fail"]);
    expect(server.maxInFlight()).toBe(2);
  });

  it("returns nothing for no checks", async () => {
    expect(await runChecks([], plain)).toEqual([]);
  });
});
