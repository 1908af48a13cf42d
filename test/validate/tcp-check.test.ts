import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck } from "../../src/validate/run-check.js";
import { closedPort, plain, spec, startStalledListener, timeOutOnClock } from "./servers.js";

describe("tcp check against a real listener", () => {
  let listener: Server;
  let port: number;
  let accepted = 0;
  beforeAll(async () => {
    listener = createServer((socket) => {
      accepted++;
      socket.end();
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const addr = listener.address();
    port = typeof addr === "object" && addr !== null ? addr.port : 0;
  });
  afterAll(async () => {
    await new Promise((r) => listener.close(r));
  });

  it("passes when a connection opens", async () => {
    const before = accepted;
    const r = await runCheck(spec({ tcp: `127.0.0.1:${port}`, retries: 0 }), plain);
    expect(r).toMatchObject({ kind: "tcp", status: "pass", name: `tcp 127.0.0.1:${port}` });
    expect(r.detail).toMatch(/^connected in \d+ms$/);
    await new Promise((r) => setTimeout(r, 50));
    expect(accepted).toBe(before + 1);
  });

  it("fails on a closed port", async () => {
    const closed = await closedPort();
    const r = await runCheck(spec({ tcp: `127.0.0.1:${closed}`, retries: 0 }), plain);
    expect(r.status).toBe("fail");
    expect(r.detail).toBe("cannot connect: connection refused (nothing listens on that port)");
  });

  it("is an error when the host name does not resolve", async () => {
    const r = await runCheck(spec({ tcp: "no-such-host.invalid:5432", timeout: "3s", retries: 0 }), plain);
    expect(r.status).toBe("error");
    expect(r.detail).toContain('check the host in "no-such-host.invalid:5432"');
  });

  it("fails when the connection does not open within the timeout (on the clock)", async () => {
    const stalled = await startStalledListener();
    try {
      // The listener's queue is full: the connect hangs, only the clock's timeout can end it.
      const r = await timeOutOnClock({ tcp: stalled.address, timeout: "30s" }, () => true);
      expect(r.status).toBe("fail");
      expect(r.detail).toBe(
        "no connection within 30s (timeout); a firewall drops the packets or the host is down",
      );
    } finally {
      await stalled.close();
    }
  });

  it("stops at once when cancelled", async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runCheck(spec({ tcp: `127.0.0.1:${port}` }), { ...plain, signal: ac.signal });
    expect(r.status).toBe("error");
    expect(r.detail).toContain("cancelled");
  });
});
