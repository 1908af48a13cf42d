/**
 * The load generator of bench/serve-load.ts, in its own process so the server's figure is not
 * the generator's: S Server-Sent-Event clients on /events and R requests a second of GET
 * /api/v1/status (open loop), first R alone against the idle server, then everything while a
 * rollback runs. It lowers its own priority (`nice`, from the parent) before it starts; the
 * parent forks it, and reads over IPC when the rollback is started and seen finished, then the
 * result.
 */
import { setPriority } from "node:os";
import { readSse } from "../src/serve/sse-reader.js";

export interface LoadRequest {
  url: string;
  token: string;
  clients: number;
  rate: number;
  idleMs: number;
  nice: number;
}

export interface LoadResult {
  /** Latencies (ms) of status requests sent while the rollback ran. */
  latencies: number[];
  /** The same rate against the idle server. */
  idle: number[];
  failed: number;
  /** Status requests sent per second while the rollback ran (a starved generator sends fewer). */
  sentPerSecond: number;
  /** Data events each SSE client saw. */
  seen: number[];
}

/** One SSE client reading until aborted; counts the events, calls onFinished at a `finished` event. */
async function sseClient(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  onFinished: () => void,
) {
  let events = 0;
  const res = await fetch(`${url}/api/v1/events`, { headers, signal });
  if (!res.body) throw new Error(`no event stream (${res.status})`);
  try {
    await readSse(res.body, (m) => {
      events++;
      if (m.event === "finished") onFinished();
    });
  } catch {
    // Aborted at the end of the run.
  }
  return events;
}

/** GET /status `rate` times a second until stopped; latencies of requests sent while `counting()`. */
function statusLoad(url: string, headers: Record<string, string>, rate: number, counting: () => boolean) {
  const latencies: number[] = [];
  let failed = 0;
  let sent = 0;
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(
    () => {
      if (rate === 0) return;
      const measure = counting();
      if (measure) sent++;
      const t0 = performance.now();
      const p = fetch(`${url}/api/v1/status`, { headers })
        .then(async (r) => {
          await r.text();
          if (!r.ok) failed++;
          else if (measure) latencies.push(performance.now() - t0);
        })
        .catch(() => {
          failed++;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    },
    1000 / Math.max(rate, 1),
  );
  return {
    latencies,
    failed: () => failed,
    sent: () => sent,
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inflight]);
    },
  };
}

export async function generateLoad(o: LoadRequest): Promise<LoadResult> {
  const headers = { authorization: `Bearer ${o.token}` };
  const idle = statusLoad(o.url, headers, o.rate, () => true);
  await new Promise((r) => setTimeout(r, o.idleMs));
  await idle.stop();

  const ac = new AbortController();
  let finished = (): void => undefined;
  const ended = new Promise<void>((resolve) => (finished = resolve));
  // The end is seen through the stream itself (a watcher always has one open), not by polling.
  const clients = Array.from({ length: Math.max(1, o.clients) }, () =>
    sseClient(o.url, headers, ac.signal, finished),
  );
  let running = false;
  const load = statusLoad(o.url, headers, o.rate, () => running);
  await new Promise((r) => setTimeout(r, 1000)); // clients connected, load steady
  running = true;
  process.send?.({ phase: "started" }); // the parent reads the server's CPU time now and at the end
  const t0 = performance.now();
  const start = await fetch(`${o.url}/api/v1/rollbacks`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: "{}",
  });
  if (start.status !== 202) throw new Error(`POST /rollbacks: ${start.status} ${await start.text()}`);
  await ended;
  process.send?.({ phase: "finished" });
  running = false;
  const seconds = (performance.now() - t0) / 1000;
  await load.stop();
  ac.abort();
  return {
    latencies: load.latencies,
    idle: idle.latencies,
    failed: load.failed(),
    sentPerSecond: load.sent() / seconds,
    seen: await Promise.all(clients),
  };
}

process.once("message", (m: LoadRequest) => {
  if (m.nice !== 0) setPriority(m.nice);
  generateLoad(m).then(
    (r) => process.send?.({ ok: true, result: r }, () => process.exit(0)),
    (e: unknown) => process.send?.({ ok: false, error: String(e) }, () => process.exit(1)),
  );
});
