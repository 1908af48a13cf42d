/**
 * Real loopback servers for the check tests: an HTTP server with a few behaviours, and a
 * port that is known to be closed.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkSchema, type CheckInput, type CheckSpec } from "../../src/validate/schema.js";
import { freePort } from "../support/prometheus.js";

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

export interface TestServer {
  url: string;
  /** Requests seen per path. */
  hits(path: string): number;
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
