/**
 * A small real HTTP service whose failure rate a test controls. It serves:
 * - /metrics: Prometheus text format with counters http_requests_total{code="200"|"500"}.
 *   Besides real /api calls they count simulated traffic (requestsPerSecond, split by the
 *   current error rate), so a scraping Prometheus sees a steady rate without a load generator.
 * - /api: really answers 500 for `errorRate` of the requests (deterministically: with 0.7,
 *   7 of every 10), 200 otherwise; counted in the same counters.
 * - /health: always 200 (the process is up even when /api fails).
 * Counting is exact and deterministic: fractions carry over instead of random draws.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FlakyService {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** "127.0.0.1:41234", for a scrape config. */
  address: string;
  setErrorRate(rate: number): void;
  readonly errorRate: number;
  /** Totals so far (simulated and real). */
  counts(): { ok: number; errors: number };
  /** Every /metrics scrape: when (Date.now()) and the error total it reported. */
  readonly scrapes: readonly { at: number; errors: number }[];
  close(): Promise<void>;
}

export interface FlakyOptions {
  /** Simulated requests per second counted into the metrics (default 100; 0 for real traffic only). */
  requestsPerSecond?: number;
  errorRate?: number;
  /**
   * A file holding the error rate (e.g. "0" or "0.5"), read before each count: a deploy or a
   * rollback that writes it changes how the service behaves, as a release would.
   */
  rateFile?: string;
}

class Counters {
  ok = 0;
  errors = 0;
  rate: number;
  private pending = 0; // simulated requests not yet counted (fraction)
  private errorCarry = 0; // fraction of an error not yet counted
  private apiCarry = 0;
  private last = performance.now();

  constructor(
    rate: number,
    private readonly perSecond: number,
  ) {
    this.rate = rate;
  }

  /** Counts the simulated traffic since the last call, at the rate that was in force. */
  advance(): void {
    const now = performance.now();
    this.pending += ((now - this.last) / 1000) * this.perSecond;
    this.last = now;
    const n = Math.floor(this.pending);
    this.pending -= n;
    const wantErrors = this.errorCarry + n * this.rate;
    const errors = Math.floor(wantErrors);
    this.errorCarry = wantErrors - errors;
    this.errors += errors;
    this.ok += n - errors;
  }

  /** Whether this real request fails: error-rate share of them, spread evenly. */
  nextApiFails(): boolean {
    this.apiCarry += this.rate;
    if (this.apiCarry >= 1 - 1e-9) {
      this.apiCarry -= 1;
      return true;
    }
    return false;
  }

  metrics(): string {
    return [
      "# HELP http_requests_total Requests handled, by status code.",
      "# TYPE http_requests_total counter",
      `http_requests_total{code="200"} ${this.ok}`,
      `http_requests_total{code="500"} ${this.errors}`,
      "",
    ].join("\n");
  }
}

export async function startFlakyService(opts: FlakyOptions = {}): Promise<FlakyService> {
  const counters = new Counters(checkRate(opts.errorRate ?? 0), opts.requestsPerSecond ?? 100);
  const scrapes: { at: number; errors: number }[] = [];
  const fromFile = () => {
    if (opts.rateFile === undefined) return;
    const rate = Number(readFileSync(opts.rateFile, "utf8").trim());
    if (rate !== counters.rate) {
      counters.advance(); // what happened so far happened at the old rate
      counters.rate = checkRate(rate);
    }
  };
  const server: Server = createServer((req, res) => {
    fromFile();
    counters.advance();
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      scrapes.push({ at: Date.now(), errors: counters.errors });
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(counters.metrics());
    } else if (path === "/api") {
      const fails = counters.nextApiFails();
      if (fails) counters.errors++;
      else counters.ok++;
      res.writeHead(fails ? 500 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(fails ? { error: "simulated failure" } : { ok: true }));
    } else if (path === "/health") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    address: `127.0.0.1:${port}`,
    setErrorRate(rate: number) {
      counters.advance(); // what happened so far happened at the old rate
      counters.rate = checkRate(rate);
    },
    get errorRate() {
      return counters.rate;
    },
    scrapes,
    counts() {
      counters.advance();
      return { ok: counters.ok, errors: counters.errors };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new Error(`error rate must be between 0 and 1, got ${rate}`);
  return rate;
}
