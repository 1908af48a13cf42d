/**
 * The demo's service probe on the Clock: each GET is bounded by PROBE_TIMEOUT_MS of the clock it
 * is given, so a ManualClock decides when a service that holds the request counts as unreachable.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { PROBE_TIMEOUT_MS, probeService } from "../../src/demo/probe.js";
import { until } from "../support/until.js";

/** Answers like a demo release; `/health` is never answered when `hold`. */
function serve(hold: boolean): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/health" && hold) return;
    res.end(req.url === "/health" ? "ok\n" : "api v1.4.0\n");
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const service = (server: Server) => ({ name: "api", port: (server.address() as AddressInfo).port, dir: "" });

let answering: Server;
let holding: Server;
beforeAll(async () => {
  answering = await serve(false);
  holding = await serve(true);
});
afterAll(() => {
  for (const s of [answering, holding]) {
    s.closeAllConnections();
    s.close();
  }
});

describe("the demo's probe", () => {
  it("reports the body and the health answer, leaving nothing waiting on the clock", async () => {
    const clock = new ManualClock();
    expect(await probeService(service(answering), clock)).toBe("api: api v1.4.0, /health → 200 ok");
    expect(clock.pendingSleepers).toBe(0);
  });

  it("a service that holds the request is unreachable once the clock passes the timeout", async () => {
    const clock = new ManualClock();
    const probe = probeService(service(holding), clock);
    await until("the GET to wait on the clock", () => clock.pendingSleepers === 1);
    clock.advance(PROBE_TIMEOUT_MS);
    expect(await probe).toBe(`api: unreachable (timed out after ${PROBE_TIMEOUT_MS} ms)`);
  });
});
