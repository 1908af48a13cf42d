/**
 * bench/dag-rollback.ts — how close a real rollback of a random dependency DAG comes to the best
 * possible schedule.
 *
 * N `command` components (seeded random graph, each depends on 0–3 earlier ones). capture is
 * `/bin/cat <state file>`, apply is `/bin/sleep <known seconds>`, verify is `/bin/true`. After the
 * checkpoint every state file is rewritten (the "bad deploy"), so the plan has one step per
 * component; apply does not change the file: this bench measures scheduling, not providers.
 *
 * Baseline: the lower bound max(critical path of the known sleep times along the plan's
 * `after` edges, total sleep / concurrency). Goal: execution wall / bound ≤ 1.05.
 *
 *   npx tsx bench/dag-rollback.ts [--components 500] [--concurrency 16] [--seed 42]
 *                                 [--serial-components N] [--min-sleep-ms 50] [--max-sleep-ms 400]
 *                                 [--spawns 50] [--estimates 1]
 * --estimates 0 leaves out the components' `estimate` setting (the planner then assumes 1 s per
 * step, so its priorities count steps). --serial-components 0 skips the serial run; fewer than
 * --components runs the serial rollback on that prefix of the graph (closed under dependencies)
 * and projects the full serial time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { stringify } from "yaml";
import { loadEnvironment } from "../src/config/load.js";
import { Redactor } from "../src/config/redactor.js";
import { Engine } from "../src/core/engine.js";
import type { JournalEntry } from "../src/core/journal-events.js";
import type { Plan, PlannedStep } from "../src/core/model.js";
import { priorities } from "../src/core/planner/index.js";
import { runRollback } from "../src/core/rollbacks.js";
import { runCommand } from "../src/process/run-command.js";
import { builtinProviders } from "../src/providers/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import type { Store } from "../src/store/store.js";
import {
  fmtMs,
  fmtRatio,
  goal,
  heading,
  intOptions,
  machine,
  note,
  prng,
  rawInsertMicros,
  randInt,
  row,
  scratchDir,
  timeCalls,
  type CallStats,
} from "./lib.js";

const GOAL_RATIO = 1.05;

interface Comp {
  name: string;
  deps: string[];
  sleepMs: number;
}

/** Component i depends on 0–3 distinct earlier components; sleeps are whole milliseconds. */
export function generateGraph(n: number, seed: number, minSleepMs: number, maxSleepMs: number): Comp[] {
  const rand = prng(seed);
  const comps: Comp[] = [];
  for (let i = 0; i < n; i++) {
    const want = randInt(rand, 0, Math.min(3, i));
    const deps = new Set<number>();
    while (deps.size < want) deps.add(randInt(rand, 0, i - 1));
    comps.push({
      name: componentName(i),
      deps: [...deps].sort((a, b) => a - b).map(componentName),
      sleepMs: randInt(rand, minSleepMs, maxSleepMs),
    });
  }
  return comps;
}

function componentName(i: number): string {
  return `c${String(i).padStart(4, "0")}`;
}

function writeEnvironment(
  dir: string,
  file: string,
  comps: readonly Comp[],
  concurrency: number,
  estimates: boolean,
): string {
  const components: Record<string, unknown> = {};
  for (const c of comps) {
    components[c.name] = {
      kind: "command",
      dependsOn: c.deps,
      capture: ["/bin/cat", `state/${c.name}`],
      apply: ["/bin/sleep", (c.sleepMs / 1000).toFixed(3)],
      verify: ["/bin/true"],
      timeout: 60,
      // The command provider's `estimate` (seconds) tells the planner the known duration.
      ...(estimates ? { estimate: c.sleepMs / 1000 } : {}),
    };
  }
  const doc = {
    version: 1,
    environment: "bench-dag",
    store: { path: ".backout" },
    policies: { concurrency, timeLimit: "1h" },
    components,
  };
  const path = join(dir, file);
  writeFileSync(path, stringify(doc));
  return path;
}

function writeStates(dir: string, comps: readonly Comp[], version: string): void {
  for (const c of comps) writeFileSync(join(dir, "state", c.name), `${version}\n`);
}

interface Opened {
  engine: Engine;
  storeStats: Map<string, CallStats>;
  close: () => Promise<void>;
}

function openEngine(envFile: string): Opened {
  const providers = builtinProviders();
  const redactor = new Redactor();
  const config = loadEnvironment(envFile, { providers, redactor });
  const real = openSqliteStore(config.store.path);
  const { proxy, stats } = timeCalls<Store>(real);
  const engine = new Engine({ config, store: proxy, providers, redactor });
  return { engine, storeStats: stats, close: () => real.close() };
}

interface RunFigures {
  state: string;
  reason: string | undefined;
  plan: Plan;
  /** runRollback from call to return: planning (captures) + lock + execution. */
  totalMs: number;
  /** From the call to onCreated: capture of every component and the plan. */
  planningMs: number;
  /** From the durable "started" event to the durable "finished" event. */
  execMs: number;
  /** Per step: from its durable step-started to its durable step-succeeded. */
  stepMs: Map<string, number>;
  storeStats: Map<string, CallStats>;
}

async function rollbackOnce(envFile: string): Promise<RunFigures> {
  const { engine, storeStats, close } = openEngine(envFile);
  const startedAt = new Map<string, number>();
  const stepMs = new Map<string, number>();
  let execStart = Number.NaN;
  let execEnd = Number.NaN;
  let plan: Plan | undefined;
  let planningMs = Number.NaN;
  const listener = (entry: JournalEntry): void => {
    const now = performance.now();
    const e = entry.event;
    if (e.type === "started") execStart = now;
    else if (e.type === "finished") execEnd = now;
    else if (e.type === "step-started") startedAt.set(e.stepId, now);
    else if (e.type === "step-succeeded") stepMs.set(e.stepId, now - (startedAt.get(e.stepId) ?? now));
  };
  const t0 = performance.now();
  try {
    const outcome = await runRollback(
      engine,
      {},
      {
        wait: false,
        listeners: [listener],
        onCreated: (_id, p) => {
          plan = p;
          planningMs = performance.now() - t0;
        },
      },
    );
    const totalMs = performance.now() - t0;
    if (!plan) throw new Error("runRollback never reported its plan");
    return {
      state: outcome.state,
      reason: outcome.reason,
      plan,
      totalMs,
      planningMs,
      execMs: execEnd - execStart,
      stepMs,
      storeStats,
    };
  } finally {
    await close();
  }
}

/** Longest path through the plan's `after` edges, weighted by `dur`. */
export function criticalPathMs(steps: readonly PlannedStep[], dur: (s: PlannedStep) => number): number {
  const finish = new Map<string, number>();
  let longest = 0;
  // plan.steps is in topological order: every `after` entry comes earlier.
  for (const s of steps) {
    let start = 0;
    for (const a of s.after) start = Math.max(start, finish.get(a) ?? 0);
    const end = start + dur(s);
    finish.set(s.id, end);
    longest = Math.max(longest, end);
  }
  return longest;
}

export function lowerBoundMs(
  steps: readonly PlannedStep[],
  dur: (s: PlannedStep) => number,
  c: number,
): number {
  const total = steps.reduce((sum, s) => sum + dur(s), 0);
  return Math.max(criticalPathMs(steps, dur), total / c);
}

/** The executor's list schedule replayed in simulated time: ready steps by priority, ties in plan order. */
export function simulateListSchedule(
  steps: readonly PlannedStep[],
  dur: (s: PlannedStep) => number,
  prio: ReadonlyMap<string, number>,
  c: number,
): number {
  const done = new Set<string>();
  const started = new Set<string>();
  let running: { id: string; end: number }[] = [];
  let now = 0;
  for (;;) {
    const ready = steps
      .filter((s) => !started.has(s.id) && s.after.every((a) => done.has(a)))
      .sort((a, b) => (prio.get(b.id) ?? 0) - (prio.get(a.id) ?? 0));
    for (const s of ready) {
      if (running.length >= c) break;
      started.add(s.id);
      running.push({ id: s.id, end: now + dur(s) });
    }
    if (running.length === 0) break;
    now = Math.min(...running.map((r) => r.end));
    for (const r of running) if (r.end === now) done.add(r.id);
    running = running.filter((r) => r.end !== now);
  }
  return now;
}

async function spawnCost(
  count: number,
  concurrency: number,
): Promise<{ sequentialMs: number; parallelMs: number }> {
  const once = () => runCommand({ argv: ["/bin/sleep", "0"] });
  for (let i = 0; i < 3; i++) await once(); // warm-up
  let t0 = performance.now();
  for (let i = 0; i < count; i++) await once();
  const sequentialMs = (performance.now() - t0) / count;
  t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await once();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const parallelMs = (performance.now() - t0) / count;
  return { sequentialMs, parallelMs };
}

function storeLine(stats: Map<string, CallStats>, wallMs: number): string {
  let ms = 0;
  for (const s of stats.values()) ms += s.syncMs;
  const append = stats.get("appendEvent");
  const per = append && append.calls > 0 ? append.syncMs / append.calls : Number.NaN;
  return `${fmtMs(ms)} (${((ms / wallMs) * 100).toFixed(1)}% of execution wall); ${append?.calls ?? 0} journal writes, ${fmtMs(per)} each`;
}

export interface DagResult {
  wallMs: number;
  boundMs: number;
  ratio: number;
  serialMs: number | undefined;
  speedup: number | undefined;
  spawnMs: number;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<DagResult> {
  const o = intOptions(
    {
      components: 500,
      concurrency: 16,
      seed: 42,
      "serial-components": Number.POSITIVE_INFINITY,
      "min-sleep-ms": 50,
      "max-sleep-ms": 400,
      spawns: 50,
      estimates: 1,
    },
    argv,
  );
  const n = Math.max(1, Math.floor(o.components));
  const c = Math.max(1, Math.min(256, Math.floor(o.concurrency)));
  const serialN = Math.min(n, Math.floor(o["serial-components"]));
  const estimates = o.estimates !== 0;
  const comps = generateGraph(n, o.seed, o["min-sleep-ms"], o["max-sleep-ms"]);
  const sleepOf = new Map(comps.map((x) => [x.name, x.sleepMs]));
  const known = (s: PlannedStep) => sleepOf.get(s.component) ?? 0;

  heading(`dag-rollback: ${n} command components, concurrency ${c}, seed ${o.seed}`);
  row("machine", machine());
  const scratch = scratchDir("dag");
  try {
    const dir = scratch.dir;
    mkdirSync(join(dir, "state"));
    writeStates(dir, comps, "v1");
    const parallelEnv = writeEnvironment(dir, "backout.yaml", comps, c, estimates);
    const serialEnv =
      serialN > 0 ? writeEnvironment(dir, "backout-serial.yaml", comps.slice(0, serialN), 1, estimates) : "";

    // The checkpoint (v1), then the bad deploy (v2) that the rollback undoes.
    const cp = openEngine(parallelEnv);
    const t0 = performance.now();
    await cp.engine.checkpoint({ name: "before-deploy", good: true });
    const checkpointMs = performance.now() - t0;
    await cp.close();
    writeStates(dir, comps, "v2");

    // Costs measured alone, before the rollback, so the rollback does not disturb them.
    const spawns = Math.max(1, Math.floor(o.spawns));
    const spawn = await spawnCost(spawns, c);
    const rawUs = await rawInsertMicros(dir, 200);

    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message.split(".")[0]}`);
    process.on("warning", onWarning);
    const run = await rollbackOnce(parallelEnv);
    process.off("warning", onWarning);
    const steps = run.plan.steps;
    const edges = comps.reduce((sum, x) => sum + x.deps.length, 0);
    const longestChain = criticalPathMs(steps, () => 1);
    const totalSleep = steps.reduce((sum, s) => sum + known(s), 0);
    const cpKnown = criticalPathMs(steps, known);
    const bound = Math.max(cpKnown, totalSleep / c);
    const wall = run.execMs;
    const ratio = wall / bound;

    row("graph", `${n} components, ${edges} dependsOn edges`);
    row(
      "plan",
      `${steps.length} steps, longest chain ${longestChain} steps, estimate ${fmtMs(run.plan.estimateMs)}`,
    );
    row("known sleeps", `${o["min-sleep-ms"]}–${o["max-sleep-ms"]} ms each, total ${fmtMs(totalSleep)}`);
    row("rollback state", run.state + (run.reason ? ` (${run.reason})` : ""));
    row(`checkpoint (${n} captures)`, fmtMs(checkpointMs));
    row(`planning inside run (${n} captures + plan)`, fmtMs(run.planningMs));
    row("runRollback end to end", fmtMs(run.totalMs));
    console.log("  -- against the baseline: the lower bound of the known sleeps");
    row("critical path (known sleeps)", fmtMs(cpKnown));
    row(`total sleep / concurrency ${c}`, fmtMs(totalSleep / c));
    row("lower bound = max of the two", fmtMs(bound));
    row("execution wall (journal started → finished)", fmtMs(wall));
    row("ratio wall / bound", `${fmtRatio(ratio)}  (${goal(ratio, GOAL_RATIO)})`);

    // What the ratio contains: per-step costs beyond the sleep, and the schedule itself.
    const measured = (s: PlannedStep) => run.stepMs.get(s.id) ?? known(s);
    const measuredTotal = steps.reduce((sum, s) => sum + measured(s), 0);
    const measuredBound = lowerBoundMs(steps, measured, c);
    const enginePrio = priorities(steps);
    const truePrio = priorities(steps.map((s) => ({ ...s, estimateMs: known(s) })));
    const countPrio = priorities(steps.map((s) => ({ ...s, estimateMs: 1 })));
    const simEngine = simulateListSchedule(steps, known, enginePrio, c);
    const simTrue = simulateListSchedule(steps, known, truePrio, c);
    const simCount = simulateListSchedule(steps, known, countPrio, c);
    console.log("  -- what the ratio contains");
    row(
      "mean step time beyond its sleep",
      `${fmtMs((measuredTotal - totalSleep) / steps.length)} (spawn + journal write, as seen by the engine)`,
    );
    row("lower bound from measured step times", fmtMs(measuredBound));
    row("ratio wall / measured bound (dispatch gaps)", fmtRatio(wall / measuredBound));
    row("mean steps running at once", `${(measuredTotal / wall).toFixed(2)} of ${c}`);
    row("event loop blocked in store calls", storeLine(run.storeStats, wall));
    row(
      "simulated schedule, the plan's priorities",
      `${fmtMs(simEngine)} (${fmtRatio(simEngine / bound)} of bound; estimates ${estimates ? "on" : "off"})`,
    );
    row(
      "simulated schedule, true-duration priorities",
      `${fmtMs(simTrue)} (${fmtRatio(simTrue / bound)} of bound)`,
    );
    row(
      "simulated schedule, step-count priorities",
      `${fmtMs(simCount)} (${fmtRatio(simCount / bound)} of bound)`,
    );
    if (!estimates) {
      note(
        "--estimates 0: every command step has estimateMs 1000, so critical-path priority is the longest " +
          "remaining chain by step count, not by time.",
      );
    }

    let serialMs: number | undefined;
    let speedup: number | undefined;
    if (serialN > 0) {
      const serial = await rollbackOnce(serialEnv);
      const serialSteps = serial.plan.steps;
      const serialSleep = serialSteps.reduce((sum, s) => sum + known(s), 0);
      const overhead = (serial.execMs - serialSleep) / Math.max(1, serialSteps.length);
      console.log("  -- the same plan one step at a time (policies.concurrency 1)");
      row("rollback state", serial.state + (serial.reason ? ` (${serial.reason})` : ""));
      if (serialN < n) {
        note(
          `serial run sampled: the first ${serialN} of ${n} components (a prefix, closed under dependsOn); ` +
            "the full serial time is projected as total sleep + steps × measured per-step overhead.",
        );
      }
      row(`serial wall (${serialSteps.length} steps)`, fmtMs(serial.execMs));
      row("serial sleep total", fmtMs(serialSleep));
      row("serial overhead per step", fmtMs(overhead));
      serialMs = serialN < n ? totalSleep + overhead * steps.length : serial.execMs;
      speedup = serialMs / wall;
      if (serialN < n) row(`projected serial wall (${steps.length} steps)`, fmtMs(serialMs));
      row(`speed-up at concurrency ${c}`, `${speedup.toFixed(2)}× (ideal ${(serialMs / bound).toFixed(2)}×)`);
    }

    console.log("  -- process-spawn and journal-write costs, measured alone");
    row(
      `${spawns} spawns one after another`,
      `${fmtMs(spawn.sequentialMs)} per spawn (runCommand/execa, /bin/sleep 0)`,
    );
    row(`${spawns} spawns, ${c} at a time`, `${fmtMs(spawn.parallelMs)} per spawn (throughput)`);
    row("raw journal-shaped insert (WAL, FULL)", `${fmtMs(rawUs / 1000)} per insert, same disk`);
    const withCosts = (s: PlannedStep) => known(s) + spawn.sequentialMs + (2 * rawUs) / 1000;
    const costBound = lowerBoundMs(steps, withCosts, c);
    row(
      "bound with sleep + spawn + 2 writes per step",
      `${fmtMs(costBound)} (wall is ${fmtRatio(wall / costBound)} of it)`,
    );
    if (warnings.length > 0) {
      note(`Node warned during the run: ${[...new Set(warnings)].join("; ")}`);
    }
    return { wallMs: wall, boundMs: bound, ratio, serialMs, speedup, spawnMs: spawn.sequentialMs };
  } finally {
    scratch.remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
