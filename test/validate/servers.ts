/**
 * Real loopback servers for the check tests: an HTTP server with a few behaviours, a port that
 * is known to be closed, a listener whose connects hang; and a check run on a ManualClock.
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { expect } from "vitest";
import { ManualClock } from "../../src/core/clock.js";
import type { CheckResult } from "../../src/core/model.js";
import { runCheck, type CheckOptions } from "../../src/validate/run-check.js";
import { checkSchema, type CheckInput, type CheckSpec } from "../../src/validate/schema.js";
import { freePort } from "../support/prometheus.js";
import { until } from "../support/until.js";

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  url: string;
  /** Requests seen per path. */
  hits(path: string): number;
  /** Requests in flight now (arrived, connection not closed). */
  inFlight(): number;
  /** Most requests in flight at the same time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

/**
 * /ok → 200 {"status":"ok"}; /down → 503 "maintenance"; /slow?ms=N → 200 after N ms;
 * /hang → never answers; /flaky?fail=N → 503 for the first N requests, then 200;
 * /auth → 200 only with basic auth user:sekrit-pass; /redirect → 302 to /ok.
 */
export async function startTestServer(): Promise<TestServer> {
  const hits = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const n = (hits.get(url.pathname) ?? 0) + 1;
    hits.set(url.pathname, n);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    switch (url.pathname) {
      case "/ok":
        return json(200, { status: "ok" });
      case "/down":
        return res.writeHead(503, { "content-type": "text/plain" }).end("maintenance\n  until later");
      case "/slow":
        setTimeout(() => json(200, { status: "ok" }), Number(url.searchParams.get("ms") ?? 0));
        return;
      case "/hang":
        return; // keeps the connection open without answering
      case "/flaky":
        return n <= Number(url.searchParams.get("fail") ?? 0)
          ? json(503, { status: "starting" })
          : json(200, { status: "ok" });
      case "/auth": {
        const expected = `Basic ${Buffer.from("user:sekrit-pass").toString("base64")}`;
        return req.headers.authorization === expected
          ? json(200, { status: "ok" })
          : json(401, { error: "who are you" });
      }
      case "/redirect":
        return res.writeHead(302, { location: "/ok" }).end();
      default:
        return json(404, { error: "no such path" });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: (path) => hits.get(path) ?? 0,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening (chosen by the OS, then released). */
export const closedPort = freePort;

export function spec(input: CheckInput): CheckSpec {
  return checkSchema.parse(input);
}

export const plain = { redact: (s: string) => s };

/**
 * Runs a check with retries 0 on a ManualClock: once its attempt is in flight (`inFlight`) and
 * the attempt's timeout is armed on the clock, moves time to 1 ms before the timeout (the
 * attempt must still be running), then to the timeout, and returns the result. No real waiting:
 * only the clock can end the attempt.
 */
export async function timeOutOnClock(
  input: CheckInput,
  inFlight: () => boolean | Promise<boolean>,
  opts: Partial<CheckOptions> = {},
): Promise<CheckResult> {
  const check = spec({ ...input, retries: 0 });
  const clock = new ManualClock(0);
  const result = runCheck(check, { ...plain, ...opts, clock });
  await until(
    "the attempt in flight and its timeout armed on the clock",
    async () => clock.pendingSleepers === 1 && (await inFlight()),
  );
  clock.advance(check.timeout - 1);
  // The timeout has not fired and the attempt has not ended on its own: its sleeper is still there.
  expect(clock.pendingSleepers).toBe(1);
  clock.advance(1);
  return result;
}

export interface StalledListener {
  /** host:port of the listener. */
  address: string;
  close(): Promise<void>;
}

/**
 * A real TCP listener whose accept queue is full, so a new connect hangs (the kernel drops its
 * SYN, as a firewall would): a child process listens with backlog 1 and never accepts (its
 * thread blocks in Atomics.wait, using no CPU), and two connections fill the queue.
 */
export async function startStalledListener(): Promise<StalledListener> {
  const script =
    "const s = require('net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {" +
    " process.stdout.write(s.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)); });";
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.stdout.once("data", (b: Buffer) => resolve(Number(b.toString().trim())));
  });
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const s = connect({ host: "127.0.0.1", port });
    s.on("error", () => undefined);
    fillers.push(s);
    await new Promise<void>((resolve) => s.once("connect", () => resolve()));
  }
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of fillers) s.destroy();
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
