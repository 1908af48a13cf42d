/**
 * A real HTTP receiver on a loopback port for notification tests: records every request
 * and answers from a script of status codes (then 200), or never answers at all.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  /** Status codes for the next requests, in order; 200 once it runs out. */
  script: number[] = [];
  /** Accept requests and never answer (a hung receiver). */
  hang = false;
  /** Requests open right now (arrived, connection not closed), and the most ever open at once. */
  open = 0;
  maxOpen = 0;
  private server: Server | undefined;
  private port = 0;

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.open++;
      this.maxOpen = Math.max(this.maxOpen, this.open);
      res.once("close", () => this.open--);
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.requests.push({
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          at: Date.now(),
        });
        if (this.hang) return;
        const status = this.script.shift() ?? 200;
        res.writeHead(status, { "content-type": "text/plain" });
        res.end(status < 300 ? "ok" : `status ${status} from the test receiver`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.script = [];
    this.hang = false;
    this.maxOpen = this.open;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A loopback port nothing listens on: bind one, then let it go. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
