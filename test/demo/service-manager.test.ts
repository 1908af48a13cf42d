/**
 * The demo's service manager waits for a port on the Clock it is given: a ManualClock decides
 * when a port that never opens has taken too long, and a port that changes ends the wait at
 * the next look.
 */
import { createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import { PORT_TIMEOUT_MS, waitForPort } from "../../src/demo/service-manager.js";
import { freePort } from "../support/free-port.js";
import { until } from "../support/until.js";

function listen(): Promise<Server> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("the demo's waitForPort", () => {
  it("gives up on a port that never opens once the clock passes the timeout", async () => {
    const clock = new ManualClock();
    const port = await freePort();
    const wait = waitForPort(port, true, PORT_TIMEOUT_MS, clock);
    await until("the wait to park on the clock", () => clock.pendingSleepers === 1);
    clock.advance(PORT_TIMEOUT_MS);
    await expect(wait).rejects.toThrow(`port ${port} did not open within ${PORT_TIMEOUT_MS} ms`);
  });

  it("returns at the next look after the port closes, leaving nothing on the clock", async () => {
    const clock = new ManualClock();
    const server = await listen();
    const port = (server.address() as { port: number }).port;
    const wait = waitForPort(port, false, PORT_TIMEOUT_MS, clock);
    await until("the wait to park on the clock", () => clock.pendingSleepers === 1);
    await new Promise((resolve) => server.close(resolve));
    clock.advance(50);
    await wait;
    expect(clock.pendingSleepers).toBe(0);
    expect(clock.now()).toBe(50);
  });
});
