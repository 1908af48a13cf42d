/**
 * A client load on the edge: a few requesters, each sending GETs one after another on a fresh
 * connection per request, bounded in count and time. Every answer is classified; a connection
 * error (refused, reset, timed out) is what the system tests must never see.
 */
import { get } from "node:http";

export type Outcome = "old" | "new" | "maintenance" | "other" | "error";

export interface Sample {
  /** When the request was sent and when its answer (or error) came back (ms since epoch). */
  sentAt: number;
  doneAt: number;
  outcome: Outcome;
  detail: string;
}

export interface LoadOptions {
  url: string;
  oldBody: string;
  newBody: string;
  maintenanceStatus?: number;
  requesters?: number;
  /** Pause between one requester's requests: keeps sockets in TIME_WAIT well below the port range. */
  pauseMs?: number;
  maxRequests?: number;
  maxMs?: number;
}

export interface Load {
  samples: Sample[];
  /** Resolves once `pred` holds for the samples so far (rejects when the load ended first). */
  until(pred: (samples: Sample[]) => boolean, what: string): Promise<void>;
  stop(): Promise<Counts>;
}

export type Counts = Record<Outcome, number> & { total: number };

export function startLoad(opts: LoadOptions): Load {
  const samples: Sample[] = [];
  const deadline = Date.now() + (opts.maxMs ?? 40_000);
  const max = opts.maxRequests ?? 8_000;
  let stopped = false;
  const running = () => !stopped && samples.length < max && Date.now() < deadline;
  const requester = async () => {
    while (running()) {
      samples.push(await one(opts));
      await sleep(opts.pauseMs ?? 5);
    }
  };
  const all = Promise.all(Array.from({ length: opts.requesters ?? 4 }, requester));
  return {
    samples,
    async until(pred, what) {
      while (!pred(samples)) {
        if (!running()) throw new Error(`the client load ended before: ${what} (${summary(samples)})`);
        await sleep(20);
      }
    },
    async stop() {
      stopped = true;
      await all;
      return countOutcomes(samples);
    },
  };
}

export function countOutcomes(samples: Sample[]): Counts {
  const counts: Counts = { total: samples.length, old: 0, new: 0, maintenance: 0, other: 0, error: 0 };
  for (const s of samples) counts[s.outcome]++;
  return counts;
}

/** The first sample of an outcome, for failure messages. */
export function firstOf(samples: Sample[], outcome: Outcome): string {
  const s = samples.find((x) => x.outcome === outcome);
  return s === undefined ? `no ${outcome}` : `first ${outcome}: ${s.detail}`;
}

function summary(samples: Sample[]): string {
  return JSON.stringify(countOutcomes(samples));
}

function one(opts: LoadOptions): Promise<Sample> {
  const sentAt = Date.now();
  const done = (outcome: Outcome, detail: string): Sample => ({
    sentAt,
    doneAt: Date.now(),
    outcome,
    detail,
  });
  return new Promise((resolve) => {
    const req = get(opts.url, { agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        if (status === (opts.maintenanceStatus ?? 503)) resolve(done("maintenance", `${status}`));
        else if (status === 200 && body === opts.oldBody) resolve(done("old", body));
        else if (status === 200 && body === opts.newBody) resolve(done("new", body));
        else resolve(done("other", `${status} ${body.slice(0, 200)}`));
      });
      res.on("error", (e) => resolve(done("error", String(e))));
    });
    req.on("timeout", () => req.destroy(new Error("timed out after 5 s")));
    req.on("error", (e) => resolve(done("error", String(e))));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
