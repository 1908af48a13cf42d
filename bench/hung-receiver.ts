/**
 * bench/hung-receiver.ts — what hung notification receivers cost a rollback.
 *
 * The same small rollback (--steps command components in a chain, each `/bin/sleep --step-ms`)
 * is run through the built CLI (`node dist/cli/main.js run`, a real process) with
 * `policies.timeLimit: 8s`, once with no notification channel (the baseline) and once with
 * --channels webhook channels pointing at a blackhole: a TCP server that accepts every
 * connection and never answers. Each channel's `timeout` is --timeout-ms (30 s by default,
 * longer than the time limit), the flush after the result is --flush-ms.
 *
 * Figures per case (medians of --runs): the rollback's own time (durable `started` to
 * `finished` journal events), the time from `started` to the first step's start, and the
 * process wall time (which also holds the bounded flush). Before the outbox, each "started"
 * notification was awaited in front of the first step: two such channels made this rollback
 * end `timed-out`.
 *
 * Run `npm run build` first: the CLI is measured from dist/.
 *
 *   npx tsx bench/hung-receiver.ts [--channels 2] [--runs 3] [--steps 3] [--step-ms 300]
 *     [--timeout-ms 30000] [--flush-ms 1000]
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stringify } from "yaml";
import type { JournalEntry } from "../src/core/journal-events.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import { fmtMs, fmtRatio, goal, heading, intOptions, machine, median, note, row, scratchDir } from "./lib.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli", "main.js");
const TIME_LIMIT = "8s";
/** Proposed goal: hung channels may add at most this share to the rollback's own time. */
const GOAL_RATIO = 1.1;
/** The channels sign their messages (the secret comes from the environment, as in production). */
const SECRET = `whsec_${Buffer.from("bench-hung-receiver-signing-key-0123").toString("base64")}`;

const APPLY =
  "const [ms, file, target] = process.argv.slice(1); setTimeout(() => require('fs').writeFileSync(file, target), Number(ms));";

interface Blackhole {
  url: string;
  connections: () => number;
  close: () => Promise<void>;
}

/** Accepts every connection, reads what comes, never answers. */
async function blackhole(): Promise<Blackhole> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("data", () => {});
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("blackhole: no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

interface Options {
  channels: number;
  steps: number;
  stepMs: number;
  timeoutMs: number;
  flushMs: number;
}

function writeEnvironment(dir: string, o: Options, hole: string | undefined, channels: number): void {
  mkdirSync(join(dir, "state"), { recursive: true });
  const components: Record<string, unknown> = {};
  for (let i = 0; i < o.steps; i++) {
    writeFileSync(join(dir, "state", `svc${i}`), "v1");
    components[`svc${i}`] = {
      kind: "command",
      dependsOn: i === 0 ? [] : [`svc${i - 1}`],
      capture: ["/bin/cat", join(dir, "state", `svc${i}`)],
      // Sleeps, then writes the target (a node program, not a shell string).
      apply: [process.execPath, "-e", APPLY, String(o.stepMs), join(dir, "state", `svc${i}`), "{{target}}"],
    };
  }
  const notifications = Array.from({ length: hole ? channels : 0 }, (_, i) => ({
    name: `hung${i}`,
    webhook: `${hole}/hook/${i}`,
    secret: "${BENCH_WEBHOOK_SECRET}",
    timeout: `${o.timeoutMs}ms`,
  }));
  const config = {
    version: 1,
    environment: `bench-hung-${channels}`,
    store: { path: ".backout" },
    policies: {
      timeLimit: TIME_LIMIT,
      retry: { maxAttempts: 1 },
      notifications: { flush: `${o.flushMs}ms` },
    },
    ...(notifications.length > 0 ? { notifications } : {}),
    components,
  };
  writeFileSync(join(dir, "backout.yaml"), stringify(config));
}

/** Runs the CLI as a real process (asynchronously: the blackhole lives in this process). */
async function cli(dir: string, args: string[]): Promise<{ code: number; ms: number; stderr: string }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { ...process.env, BENCH_WEBHOOK_SECRET: SECRET },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
  return { code, ms: performance.now() - t0, stderr };
}

interface RunFigures {
  state: string;
  rollbackMs: number;
  firstStepMs: number;
  processMs: number;
}

async function oneRun(o: Options, hole: string | undefined, channels: number): Promise<RunFigures> {
  const scratch = scratchDir(`hung-${channels}`);
  try {
    const dir = scratch.dir;
    writeEnvironment(dir, o, hole, channels);
    const cp = await cli(dir, ["checkpoint", "--good", "--name", "v1"]);
    if (cp.code !== 0) throw new Error(`checkpoint failed: ${cp.stderr}`);
    for (let i = 0; i < o.steps; i++) writeFileSync(join(dir, "state", `svc${i}`), "v2");
    const run = await cli(dir, ["run"]);
    const journal = await lastJournal(dir);
    const at = (type: string) => journal.find((e) => e.event.type === type)?.at ?? Number.NaN;
    const finished = journal.find((e) => e.event.type === "finished")?.event;
    const state = finished?.type === "finished" ? finished.state : `exit ${run.code}, no finished event`;
    if (!journal.some((e) => e.event.type === "step-started"))
      throw new Error(`no step ran (exit ${run.code}): ${run.stderr}`);
    return {
      state,
      rollbackMs: at("finished") - at("started"),
      firstStepMs: at("step-started") - at("started"),
      processMs: run.ms,
    };
  } finally {
    scratch.remove();
  }
}

async function lastJournal(dir: string): Promise<JournalEntry[]> {
  const store = openSqliteStore(join(dir, ".backout"));
  try {
    const [latest] = await store.listRollbacks({ limit: 1 });
    return latest ? await store.readJournal(latest.id) : [];
  } finally {
    await store.close();
  }
}

export interface HungReceiverResult {
  baselineMs: number;
  hungMs: number;
  ratio: number;
  hungProcessMs: number;
  states: string[];
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<HungReceiverResult> {
  const o = intOptions(
    { channels: 2, runs: 3, steps: 3, "step-ms": 300, "timeout-ms": 30_000, "flush-ms": 1_000 },
    argv,
  );
  const opts: Options = {
    channels: o.channels,
    steps: o.steps,
    stepMs: o["step-ms"],
    timeoutMs: o["timeout-ms"],
    flushMs: o["flush-ms"],
  };
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  heading("hung-receiver: a rollback with blackhole webhook channels vs none");
  note(machine());
  note(
    `${opts.steps} chained steps of ${fmtMs(opts.stepMs)}, timeLimit ${TIME_LIMIT}; ` +
      `${opts.channels} channel(s) to a server that accepts and never answers, ` +
      `timeout ${fmtMs(opts.timeoutMs)} each, flush ${fmtMs(opts.flushMs)}; ${o.runs} run(s) each, interleaved`,
  );
  const hole = await blackhole();
  try {
    const plain: RunFigures[] = [];
    const hung: RunFigures[] = [];
    for (let i = 0; i < o.runs; i++) {
      plain.push(await oneRun(opts, undefined, 0));
      hung.push(await oneRun(opts, hole.url, opts.channels));
    }
    const med = (runs: RunFigures[], k: keyof Omit<RunFigures, "state">) => median(runs.map((r) => r[k]));
    for (const [label, runs] of [
      ["no channel", plain],
      [`${opts.channels} hung`, hung],
    ] as const) {
      row(`${label}: results`, runs.map((r) => r.state).join(", "));
      row(`${label}: started → finished`, fmtMs(med(runs, "rollbackMs")));
      row(`${label}: started → first step`, fmtMs(med(runs, "firstStepMs")));
      row(`${label}: process wall (flush included)`, fmtMs(med(runs, "processMs")));
    }
    row("connections the blackhole accepted", String(hole.connections()));
    const ratio = med(hung, "rollbackMs") / med(plain, "rollbackMs");
    row(
      "ratio rollback hung / no channel (medians)",
      `${fmtRatio(ratio)}  (${goal(ratio, GOAL_RATIO, "goal")})`,
    );
    row(
      "ratio process wall hung / no channel (medians)",
      `${fmtRatio(med(hung, "processMs") / med(plain, "processMs"))}  (holds the ${fmtMs(opts.flushMs)} flush)`,
    );
    return {
      baselineMs: med(plain, "rollbackMs"),
      hungMs: med(hung, "rollbackMs"),
      ratio,
      hungProcessMs: med(hung, "processMs"),
      states: hung.map((r) => r.state),
    };
  } finally {
    await hole.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
