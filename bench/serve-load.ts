/**
 * bench/serve-load.ts — `backout serve` under watchers: API latency, and what watching costs the
 * rollback.
 *
 * An environment of N independent `command` components (capture `/bin/cat state/cN`, apply
 * `/bin/cp v1.txt state/cN`: trivial steps with a real effect), default concurrency 4. Each
 * run rewrites every state file to v2 (the bad deploy) and rolls back to the good checkpoint v1:
 *   - CLI:    `backout run` as a process, nothing else running (the baseline);
 *   - server: `backout serve` as a process with S Server-Sent-Event clients reading /events and
 *             R requests a second of GET /api/v1/status (open loop: sent on schedule whether or
 *             not the last one answered), the rollback started with POST /api/v1/rollbacks.
 * Runs alternate (CLI, server, CLI, server, ...) so drift of a shared machine hits both. The
 * wall time is from the durable `started` journal event to the durable `finished` one. Latency
 * is measured by this process from send to the end of the body, for requests sent while the
 * rollback ran; the same rate against the idle server (no SSE client, no rollback) is shown
 * beside it. Goal: server wall / CLI wall ≤ 1.05.
 *
 *   npm run build && npx tsx bench/serve-load.ts [--steps 200] [--clients 50] [--rate 20] [--runs 2]
 *
 * PROF_SERVE="--cpu-prof --cpu-prof-dir=DIR" passes those node flags to the server (a CPU profile).
 */
import { execa } from "execa";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { loadEnvironment } from "../src/config/load.js";
import { Redactor } from "../src/config/redactor.js";
import { builtinProviders } from "../src/providers/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { CLI } from "../test/e2e/cli.js";
import { freePort } from "../test/support/free-port.js";
import {
  fmtMs,
  fmtRatio,
  goal,
  heading,
  intOptions,
  machine,
  median,
  note,
  quantile,
  row,
  scratchDir,
} from "./lib.js";

const GOAL_RATIO = 1.05;
const TOKEN = "bench-token-0123456789abcdef0123";
const ENV = { BENCH_TOKEN: TOKEN, BACKOUT_ACTIVE_ROLLBACK: "" };

export interface ServeLoadResult {
  cliMs: number;
  serverMs: number;
  ratio: number;
  p50: number;
  p99: number;
  idleP50: number;
  idleP99: number;
  requests: number;
  failed: number;
}

function writeEnvironment(dir: string, steps: number): void {
  mkdirSync(join(dir, "state"), { recursive: true });
  writeFileSync(join(dir, "v1.txt"), "v1\n");
  const components: Record<string, unknown> = {};
  for (let i = 0; i < steps; i++) {
    components[`c${i}`] = {
      kind: "command",
      capture: ["/bin/cat", `state/c${i}`],
      apply: ["/bin/cp", "v1.txt", `state/c${i}`],
    };
  }
  const doc = {
    version: 1,
    environment: "bench-serve",
    store: { path: ".backout" },
    policies: { timeLimit: "1h" },
    // The bench's own request rate must not meet the per-token limit it is not measuring.
    serve: {
      tokens: [{ name: "bench", env: "BENCH_TOKEN", roles: ["operator"] }],
      rateLimit: { requests: 1_000_000, window: "1m" },
    },
    components,
  };
  writeFileSync(join(dir, "backout.yaml"), stringify(doc));
}

function deploy(dir: string, steps: number, version: string): void {
  for (let i = 0; i < steps; i++) writeFileSync(join(dir, "state", `c${i}`), `${version}\n`);
}

/** started → finished of the newest rollback, from the store (durable timestamps). */
async function wallOfNewest(dir: string): Promise<{ id: string; ms: number; state: string }> {
  const config = loadEnvironment(join(dir, "backout.yaml"), {
    providers: builtinProviders(),
    redactor: new Redactor(),
  });
  const store = openSqliteStore(config.store.path);
  try {
    const [newest] = await store.listRollbacks({ limit: 1 });
    if (!newest) throw new Error("no rollback recorded");
    const entries = await store.readJournal(newest.id);
    const at = (type: string) => entries.find((e) => e.event.type === type)?.at;
    const started = at("started");
    const finished = at("finished");
    if (started === undefined || finished === undefined)
      throw new Error(`rollback ${newest.id} did not finish`);
    return { id: newest.id, ms: finished - started, state: newest.state };
  } finally {
    await store.close();
  }
}

async function cliRun(dir: string): Promise<number> {
  const r = await execa(process.execPath, [CLI, "run"], {
    cwd: dir,
    env: ENV,
    reject: false,
    stdin: "ignore",
  });
  if (r.exitCode !== 0) throw new Error(`backout run exited ${r.exitCode}: ${String(r.stderr)}`);
  const w = await wallOfNewest(dir);
  return w.ms;
}

interface Server {
  url: string;
  stop: () => Promise<void>;
}

async function startServer(dir: string): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const prof = process.env.PROF_SERVE ? process.env.PROF_SERVE.split(" ") : [];
  const proc = execa(process.execPath, [...prof, CLI, "serve", "--listen", `127.0.0.1:${port}`], {
    cwd: dir,
    env: ENV,
    reject: false,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 600) throw new Error("serve did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc;
    },
  };
}

const auth = { authorization: `Bearer ${TOKEN}` };

/** One SSE client reading until aborted; counts the events, calls onFinished at a `finished` event. */
function sseClient(url: string, signal: AbortSignal, onFinished: () => void): Promise<number> {
  return (async () => {
    let events = 0;
    const res = await fetch(`${url}/api/v1/events`, { headers: auth, signal });
    if (!res.body) throw new Error(`no event stream (${res.status})`);
    const decoder = new TextDecoder();
    let buf = "";
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (block.includes("\ndata: ")) events++;
          if (block.includes("\nevent: finished\n")) onFinished();
        }
      }
    } catch {
      // Aborted at the end of the run.
    }
    return events;
  })();
}

/** GET /status `rate` times a second until stopped; latencies of requests sent while `counting()`. */
function statusLoad(url: string, rate: number, counting: () => boolean) {
  const latencies: number[] = [];
  let failed = 0;
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(
    () => {
      if (rate === 0) return;
      const measure = counting();
      const t0 = performance.now();
      const p = fetch(`${url}/api/v1/status`, { headers: auth })
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
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inflight]);
    },
  };
}

async function serverRun(dir: string, o: { clients: number; rate: number }) {
  const server = await startServer(dir);
  try {
    // Idle baseline: the same request rate, nothing else.
    const idle = statusLoad(server.url, o.rate, () => true);
    await new Promise((r) => setTimeout(r, 5000));
    await idle.stop();

    const ac = new AbortController();
    let finished = (): void => undefined;
    const ended = new Promise<void>((resolve) => (finished = resolve));
    // The end is seen through the stream itself (a watcher always has one open), not by polling.
    const clients = Array.from({ length: Math.max(1, o.clients) }, () =>
      sseClient(server.url, ac.signal, finished),
    );
    let running = false;
    const load = statusLoad(server.url, o.rate, () => running);
    await new Promise((r) => setTimeout(r, 1000)); // clients connected, load steady
    running = true;
    const start = await fetch(`${server.url}/api/v1/rollbacks`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: "{}",
    });
    if (start.status !== 202) throw new Error(`POST /rollbacks: ${start.status} ${await start.text()}`);
    await ended;
    running = false;
    await load.stop();
    ac.abort();
    const seen = await Promise.all(clients);
    const w = await wallOfNewest(dir);
    if (w.state !== "succeeded") throw new Error(`rollback ${w.id} ended ${w.state}`);
    return { wallMs: w.ms, latencies: load.latencies, idle: idle.latencies, failed: load.failed(), seen };
  } finally {
    await server.stop();
  }
}

export async function main(argv = process.argv.slice(2)): Promise<ServeLoadResult> {
  const o = intOptions({ steps: 200, clients: 50, rate: 20, runs: 2 }, argv);
  const { dir, remove } = scratchDir("serve-load");
  try {
    writeEnvironment(dir, o.steps);
    deploy(dir, o.steps, "v1");
    const cp = await execa(process.execPath, [CLI, "checkpoint", "--good", "--name", "v1"], {
      cwd: dir,
      env: ENV,
      reject: false,
    });
    if (cp.exitCode !== 0) throw new Error(`checkpoint: ${String(cp.stderr)}`);

    heading(`serve-load: ${o.steps}-step rollback, ${o.clients} SSE clients, ${o.rate} req/s of status`);
    row("machine", machine());
    const cliWalls: number[] = [];
    const serverWalls: number[] = [];
    const latencies: number[] = [];
    const idle: number[] = [];
    let failed = 0;
    for (let run = 1; run <= o.runs; run++) {
      deploy(dir, o.steps, "v2");
      const c = await cliRun(dir);
      cliWalls.push(c);
      deploy(dir, o.steps, "v2");
      const s = await serverRun(dir, o);
      serverWalls.push(s.wallMs);
      latencies.push(...s.latencies);
      idle.push(...s.idle);
      failed += s.failed;
      const events = s.seen.length ? `${Math.min(...s.seen)}–${Math.max(...s.seen)}` : "none";
      row(
        `run ${run}: CLI wall / server wall`,
        `${fmtMs(c)} / ${fmtMs(s.wallMs)} (${fmtRatio(s.wallMs / c)}); events per SSE client ${events}`,
      );
    }
    const cliMs = median(cliWalls);
    const serverMs = median(serverWalls);
    const ratio = serverMs / cliMs;
    const result: ServeLoadResult = {
      cliMs,
      serverMs,
      ratio,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      idleP50: quantile(idle, 0.5),
      idleP99: quantile(idle, 0.99),
      requests: latencies.length,
      failed,
    };
    row(
      "GET /status under load: p50 / p99",
      `${fmtMs(result.p50)} / ${fmtMs(result.p99)} (${result.requests} requests, ${failed} failed)`,
    );
    row("GET /status idle server: p50 / p99", `${fmtMs(result.idleP50)} / ${fmtMs(result.idleP99)}`);
    row("rollback wall, median: CLI / server", `${fmtMs(cliMs)} / ${fmtMs(serverMs)}`);
    row("server / CLI wall", `${fmtRatio(ratio)} (${goal(ratio, GOAL_RATIO)})`);
    note("latency is measured by this process, which also runs the SSE clients and the request loop.");
    return result;
  } finally {
    remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
