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
 * The load (bench/serve-load-client.ts) runs in its own process, twice per run: at the server's
 * priority (what a generator on the same 2 cores costs is in the figure) and niced (--nice, the
 * figure is about the server). Runs alternate (CLI, server, server niced, CLI, ...) so drift of a
 * shared machine hits all. The wall time is from the durable `started` journal event to the
 * durable `finished` one. Latency is measured by the generator from send to the end of the body,
 * for requests sent while the rollback ran; the same rate against the idle server (no SSE
 * client, no rollback) is shown beside it. Goal: server wall / CLI wall ≤ 1.05, generator niced.
 *
 *   npm run build && npx tsx bench/serve-load.ts [--steps 200] [--clients 50] [--rate 20] [--runs 3] [--nice 19]
 *
 * PROF_SERVE="--cpu-prof --cpu-prof-dir=DIR" passes those node flags to the server (a CPU profile).
 */
import { execa } from "execa";
import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { loadEnvironment } from "../src/config/load.js";
import { Redactor } from "../src/config/redactor.js";
import { builtinProviders } from "../src/providers/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { CLI } from "../test/e2e/cli.js";
import type { LoadRequest, LoadResult } from "./serve-load-client.js";
import { freePort } from "../test/support/free-port.js";
import {
  fmtMs,
  cpuTimeMs,
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

async function cliRun(dir: string): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu0 = cpuTimeMs("children");
  const r = await execa(process.execPath, [CLI, "run"], {
    cwd: dir,
    env: ENV,
    reject: false,
    stdin: "ignore",
  });
  if (r.exitCode !== 0) throw new Error(`backout run exited ${r.exitCode}: ${String(r.stderr)}`);
  const cpuMs = cpuTimeMs("children") - cpu0;
  const w = await wallOfNewest(dir);
  return { wallMs: w.ms, cpuMs };
}

interface Server {
  url: string;
  pid: number;
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
    pid: proc.pid ?? 0,
    stop: async () => {
      proc.kill("SIGTERM");
      await proc;
    },
  };
}

const CLIENT = fileURLToPath(new URL("./serve-load-client.ts", import.meta.url));

/**
 * The load generator in its own process (bench/serve-load-client.ts) at niceness `nice`, so what
 * the server costs the rollback is not mixed with what generating the load costs the machine.
 */
function generate(
  request: LoadRequest,
  onPhase: (phase: "started" | "finished") => void,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(CLIENT, [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    type Message =
      { phase: "started" | "finished" } | { ok: true; result: LoadResult } | { ok: false; error: string };
    let answer: Exclude<Message, { phase: unknown }> | undefined;
    child.on("message", (m: Message) => {
      if ("phase" in m) onPhase(m.phase);
      else answer = m;
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (answer?.ok) resolve(answer.result);
      else
        reject(
          new Error(`load generator exited ${code}: ${answer && !answer.ok ? answer.error : "no answer"}`),
        );
    });
    child.send(request);
  });
}

async function serverRun(dir: string, o: { clients: number; rate: number }, nice: number) {
  const server = await startServer(dir);
  try {
    let cpu0 = 0;
    let cpuMs = 0;
    const load = await generate(
      { url: server.url, token: TOKEN, clients: o.clients, rate: o.rate, idleMs: 5000, nice },
      (phase) => {
        if (phase === "started") cpu0 = cpuTimeMs(server.pid);
        else cpuMs = cpuTimeMs(server.pid) - cpu0;
      },
    );
    const w = await wallOfNewest(dir);
    if (w.state !== "succeeded") throw new Error(`rollback ${w.id} ended ${w.state}`);
    return { wallMs: w.ms, cpuMs, ...load };
  } finally {
    await server.stop();
  }
}

/** Figures of the server runs with the generator at one niceness. */
interface Variant {
  nice: number;
  walls: number[];
  cpu: number[];
  latencies: number[];
  idle: number[];
  sentPerSecond: number[];
  failed: number;
}

export interface ServeLoadVariant {
  /** The load generator's niceness (0: the server's priority). */
  nice: number;
  serverMs: number;
  /** CPU time of the server and its step processes from the rollback's start to its end. */
  cpuMs: number;
  ratio: number;
  p50: number;
  p99: number;
  idleP50: number;
  idleP99: number;
  requests: number;
  sentPerSecond: number;
  failed: number;
}

export interface ServeLoadResult {
  cliMs: number;
  /** CPU time of the CLI process and the step processes it ran, start-up included. */
  cliCpuMs: number;
  /** The generator at normal priority, then niced (the goal is judged on the niced one). */
  variants: ServeLoadVariant[];
}

export async function main(argv = process.argv.slice(2)): Promise<ServeLoadResult> {
  const o = intOptions({ steps: 200, clients: 50, rate: 20, runs: 3, nice: 19 }, argv);
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
    row(
      "machine",
      `${machine()}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    const cliWalls: number[] = [];
    const cliCpu: number[] = [];
    const variants: Variant[] = [0, o.nice].map((nice) => ({
      nice,
      walls: [],
      cpu: [],
      latencies: [],
      idle: [],
      sentPerSecond: [],
      failed: 0,
    }));
    for (let run = 1; run <= o.runs; run++) {
      deploy(dir, o.steps, "v2");
      const cli = await cliRun(dir);
      const c = cli.wallMs;
      cliWalls.push(c);
      cliCpu.push(cli.cpuMs);
      const shown = [`CLI ${fmtMs(c)}`];
      for (const v of variants) {
        deploy(dir, o.steps, "v2");
        const s = await serverRun(dir, o, v.nice);
        v.walls.push(s.wallMs);
        v.cpu.push(s.cpuMs);
        v.latencies.push(...s.latencies);
        v.idle.push(...s.idle);
        v.sentPerSecond.push(s.sentPerSecond);
        v.failed += s.failed;
        const events = s.seen.length ? `${Math.min(...s.seen)}–${Math.max(...s.seen)}` : "none";
        shown.push(`nice ${v.nice}: ${fmtMs(s.wallMs)} (${fmtRatio(s.wallMs / c)}, ${events} events/client)`);
      }
      row(`run ${run}: rollback wall`, shown.join("; "));
    }
    const cliMs = median(cliWalls);
    const result: ServeLoadResult = {
      cliMs,
      cliCpuMs: median(cliCpu),
      variants: variants.map((v) => ({
        nice: v.nice,
        serverMs: median(v.walls),
        cpuMs: median(v.cpu),
        ratio: median(v.walls) / cliMs,
        p50: quantile(v.latencies, 0.5),
        p99: quantile(v.latencies, 0.99),
        idleP50: quantile(v.idle, 0.5),
        idleP99: quantile(v.idle, 0.99),
        requests: v.latencies.length,
        sentPerSecond: median(v.sentPerSecond),
        failed: v.failed,
      })),
    };
    row("rollback wall, median: CLI", fmtMs(cliMs));
    row("CPU time, median: CLI process (with start-up)", fmtMs(median(cliCpu)));
    for (const v of result.variants) {
      const who = `generator at nice ${v.nice}`;
      row(
        `${who}: GET /status under load p50 / p99`,
        `${fmtMs(v.p50)} / ${fmtMs(v.p99)} (${v.requests} requests, ${v.sentPerSecond.toFixed(1)}/s sent, ${v.failed} failed)`,
      );
      row(`${who}: GET /status idle p50 / p99`, `${fmtMs(v.idleP50)} / ${fmtMs(v.idleP99)}`);
      row(`${who}: server wall, median / CLI`, `${fmtMs(v.serverMs)} (${fmtRatio(v.ratio)})`);
      row(
        `${who}: server CPU, rollback start to end / CLI`,
        `${fmtMs(v.cpuMs)} (${fmtRatio(v.cpuMs / result.cliCpuMs)})`,
      );
    }
    const judged = result.variants[result.variants.length - 1];
    if (judged)
      row(
        "server / CLI wall, generator niced",
        `${fmtRatio(judged.ratio)} (${goal(judged.ratio, GOAL_RATIO)})`,
      );
    row(
      "load average at the end",
      loadavg()
        .map((l) => l.toFixed(2))
        .join(" "),
    );
    note("latency is measured by the generator process; niced, its own scheduling delay is part of it.");
    return result;
  } finally {
    remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
