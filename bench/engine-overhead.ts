/**
 * bench/engine-overhead.ts — the engine's own cost per step, durable journal writes included.
 *
 * A harness-only provider `noop` (capture reads an in-memory map, apply sets it, verify compares)
 * is registered beside builtinProviders(), so no process is spawned: what is left is planning
 * bookkeeping, the scheduler, and two fsynced journal writes per step (step-started,
 * step-succeeded). Two shapes of `--steps` steps: a chain (each component depends on the previous)
 * and a wide fan (one hub, every other component depends on it: all but one run at once).
 *
 * Baseline: a raw better-sqlite3 INSERT in its own transaction, WAL, synchronous=FULL, in the same
 * directory. Ratio = engine µs per step / (2 × raw insert µs). Goal on a real disk: ≤ 1.10.
 * The same runs on tmpfs (/dev/shm, where fsync is nearly free) show the CPU part alone.
 *
 *   npx tsx bench/engine-overhead.ts [--steps 1000] [--concurrency 64] [--baseline-inserts 500]
 *                                    [--appends 300]
 */
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { stringify } from "yaml";
import * as z from "zod";
import { loadEnvironment } from "../src/config/load.js";
import { Redactor } from "../src/config/redactor.js";
import { Engine } from "../src/core/engine.js";
import type { JournalEntry } from "../src/core/journal-events.js";
import type { ComponentState, Plan, PlannedStep, StepSpec } from "../src/core/model.js";
import type { Provider, ProviderRegistry } from "../src/core/provider.js";
import { runRollback } from "../src/core/rollbacks.js";
import { builtinProviders } from "../src/providers/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import type { Store } from "../src/store/store.js";
import {
  fmtMs,
  fmtRatio,
  fmtUs,
  goal,
  heading,
  intOptions,
  machine,
  note,
  rawInsertMicros,
  row,
  scratchDir,
  timeCalls,
} from "./lib.js";

const GOAL_RATIO = 1.1;

/** A provider that does nothing but remember versions in memory: the harness, not a product kind. */
function noopProvider(states: Map<string, string>): Provider<Record<string, never>> {
  return {
    kind: "noop",
    defaultLayer: "app",
    settingsSchema: z.strictObject({}),
    description: "benchmark harness: in-memory versions, no side effects",
    capture: (ctx) => Promise.resolve({ version: states.get(ctx.component.name) ?? "none" }),
    plan: (ctx, current: ComponentState, target: ComponentState): Promise<StepSpec[]> =>
      Promise.resolve(
        current.version === target.version
          ? []
          : [
              {
                action: "noop",
                description: `set ${ctx.component.name}: ${current.version} → ${target.version}`,
                target: { version: target.version },
                params: {},
                risk: { dataLoss: false, summary: "nothing" },
                reversible: true,
                estimateMs: 1,
              },
            ],
      ),
    apply: (ctx, step: PlannedStep) => {
      states.set(ctx.component.name, step.target.version);
      return Promise.resolve({});
    },
    verify: (ctx, step: PlannedStep) =>
      Promise.resolve(states.get(ctx.component.name) === step.target.version),
  };
}

type Shape = "chain" | "fan";

function names(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${String(i).padStart(4, "0")}`);
}

function writeEnvironment(dir: string, shape: Shape, n: number, concurrency: number): string {
  const all = names(n);
  const components: Record<string, unknown> = {};
  all.forEach((name, i) => {
    const dependsOn = i === 0 ? [] : shape === "chain" ? [all[i - 1]] : [all[0]];
    components[name] = { kind: "noop", dependsOn };
  });
  const file = join(dir, "backout.yaml");
  writeFileSync(
    file,
    stringify({
      version: 1,
      environment: `bench-${shape}`,
      store: { path: ".backout" },
      policies: { concurrency, timeLimit: "1h" },
      components,
    }),
  );
  return file;
}

interface ShapeFigures {
  steps: number;
  execMs: number;
  journalWrites: number;
  appendSyncMs: number;
  appendCalls: number;
  planningMs: number;
  state: string;
}

async function runShape(base: string, shape: Shape, n: number, concurrency: number): Promise<ShapeFigures> {
  const scratch = scratchDir(shape, base);
  try {
    const envFile = writeEnvironment(scratch.dir, shape, n, concurrency);
    const states = new Map<string, string>(names(n).map((x) => [x, "v1"]));
    const providers: ProviderRegistry = new Map([...builtinProviders(), ["noop", noopProvider(states)]]);
    const redactor = new Redactor();
    const config = loadEnvironment(envFile, { providers, redactor });
    const real = openSqliteStore(config.store.path);
    const { proxy, stats } = timeCalls<Store>(real);
    try {
      const engine = new Engine({ config, store: proxy, providers, redactor });
      await engine.checkpoint({ name: "good", good: true });
      for (const k of states.keys()) states.set(k, "v2");
      stats.clear();

      let execStart = Number.NaN;
      let execEnd = Number.NaN;
      let writes = 0;
      let planningMs = Number.NaN;
      let plan: Plan | undefined;
      const listener = (e: JournalEntry): void => {
        const now = performance.now();
        // Every event after `queued` reaches the listeners: started, step-*, finished.
        writes++;
        if (e.event.type === "started") execStart = now;
        if (e.event.type === "finished") execEnd = now;
      };
      const t0 = performance.now();
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
      const append = stats.get("appendEvent") ?? { calls: 0, syncMs: 0 };
      return {
        steps: plan?.steps.length ?? 0,
        execMs: execEnd - execStart,
        journalWrites: writes,
        appendSyncMs: append.syncMs,
        appendCalls: append.calls,
        planningMs,
        state: outcome.state,
      };
    } finally {
      await real.close();
    }
  } finally {
    scratch.remove();
  }
}

/** One journal write against a rollback whose stored plan has `planSteps` steps. */
async function appendMicros(base: string, planSteps: number, appends: number): Promise<number> {
  const scratch = scratchDir("append", base);
  const store = openSqliteStore(scratch.dir);
  try {
    const steps: PlannedStep[] = names(planSteps).map((c, i, all) => ({
      id: `${c}#1:noop`,
      component: c,
      kind: "noop",
      phase: "main",
      after: i === 0 ? [] : [`${all[i - 1]}#1:noop`],
      action: "noop",
      description: `set ${c}: v2 → v1`,
      target: { version: "v1" },
      params: { current: "v2", target: "v1" },
      risk: { dataLoss: false, summary: "nothing" },
      reversible: true,
      estimateMs: 1,
    }));
    const plan: Plan = {
      formatVersion: 1,
      environment: "bench",
      checkpoint: { id: "c1", name: "good", createdAt: 0 },
      scope: { only: [], except: [] },
      components: [],
      steps,
      concurrency: 4,
      dataLoss: false,
      estimateMs: planSteps,
      hash: "0".repeat(64),
    };
    const holder = { token: "bench", pid: process.pid, host: "bench" };
    await store.createRollback(
      {
        id: "r1",
        environment: "bench",
        checkpointId: "c1",
        planHash: plan.hash,
        plan,
        createdAt: Date.now(),
      },
      { type: "queued", plan, requestedBy: "bench" },
      holder,
      60_000,
    );
    for (let i = 0; i < 10; i++)
      await store.appendEvent("r1", Date.now(), { type: "step-started", stepId: "x", attempt: 1 });
    const t0 = performance.now();
    for (let i = 0; i < appends; i++) {
      await store.appendEvent("r1", Date.now(), { type: "step-started", stepId: "x", attempt: 1 });
    }
    return ((performance.now() - t0) / appends) * 1000;
  } finally {
    await store.close();
    scratch.remove();
  }
}

export interface OverheadResult {
  location: string;
  rawUs: number;
  chainUsPerStep: number;
  fanUsPerStep: number;
  chainRatio: number;
  fanRatio: number;
}

async function atLocation(
  label: string,
  base: string,
  n: number,
  concurrency: number,
  inserts: number,
  withGoal: boolean,
  appends: number,
): Promise<OverheadResult> {
  heading(`engine-overhead: ${n} no-op steps, store on ${label} (${base})`);
  row("machine", machine());
  // Shared disks drift: the baseline is taken before and after the runs and averaged.
  const raw = async (): Promise<number> => {
    const scratch = scratchDir("raw", base);
    try {
      return await rawInsertMicros(scratch.dir, inserts);
    } finally {
      scratch.remove();
    }
  };
  const rawBefore = await raw();
  const figures: Partial<Record<Shape, ShapeFigures>> = {};
  for (const shape of ["chain", "fan"] as const) figures[shape] = await runShape(base, shape, n, concurrency);
  const rawAfter = await raw();
  const rawUs = (rawBefore + rawAfter) / 2;
  row(
    `baseline: raw insert, WAL + FULL (${inserts}×2)`,
    `${fmtUs(rawUs)} per insert (before ${fmtUs(rawBefore)}, after ${fmtUs(rawAfter)})`,
  );
  row("baseline per step (2 journal writes)", fmtUs(2 * rawUs));
  const perShape: Record<Shape, number> = { chain: 0, fan: 0 };
  for (const shape of ["chain", "fan"] as const) {
    const f = figures[shape] as ShapeFigures;
    const usPerStep = (f.execMs * 1000) / Math.max(1, f.steps);
    perShape[shape] = usPerStep;
    const ratio = usPerStep / (2 * rawUs);
    const what =
      shape === "chain" ? "chain (one at a time)" : `fan (1 hub + ${n - 1}, concurrency ${concurrency})`;
    console.log(`  -- ${what}: ${f.steps} steps, rollback ${f.state}`);
    row("planning (captures + plan)", fmtMs(f.planningMs));
    row("execution (journal started → finished)", fmtMs(f.execMs));
    row("engine time per step", fmtUs(usPerStep));
    row(
      "journal writes per second",
      `${((f.journalWrites / f.execMs) * 1000).toFixed(0)} (${f.journalWrites} writes)`,
    );
    row(
      "appendEvent, synchronous part",
      `${fmtUs((f.appendSyncMs * 1000) / Math.max(1, f.appendCalls))} per write`,
    );
    row(
      "ratio per step / (2 × raw insert)",
      withGoal
        ? `${fmtRatio(ratio)}  (${goal(ratio, GOAL_RATIO)})`
        : `${fmtRatio(ratio)}  (no goal: fsync ~free here)`,
    );
  }
  console.log("  -- one journal write against the size of the stored plan");
  const small = await appendMicros(base, 1, appends);
  const large = await appendMicros(base, n, appends);
  row(`appendEvent, 1-step plan (${appends})`, fmtUs(small));
  row(`appendEvent, ${n}-step plan`, `${fmtUs(large)} (${fmtRatio(large / small)} the 1-step cost)`);
  return {
    location: label,
    rawUs,
    chainUsPerStep: perShape.chain,
    fanUsPerStep: perShape.fan,
    chainRatio: perShape.chain / (2 * rawUs),
    fanRatio: perShape.fan / (2 * rawUs),
  };
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<OverheadResult[]> {
  const o = intOptions({ steps: 1000, concurrency: 64, "baseline-inserts": 500, appends: 300 }, argv);
  const n = Math.max(2, Math.floor(o.steps));
  const c = Math.max(1, Math.min(256, Math.floor(o.concurrency)));
  const inserts = Math.max(10, Math.floor(o["baseline-inserts"]));
  const appends = Math.max(10, Math.floor(o.appends));
  const results = [await atLocation("disk", tmpdir(), n, c, inserts, true, appends)];
  if (existsSync("/dev/shm"))
    results.push(await atLocation("tmpfs", "/dev/shm", n, c, inserts, false, appends));
  else note("no /dev/shm: the CPU-only (tmpfs) run is skipped");
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
