/**
 * bench/cold-start.ts — `backout status` cold start on an environment with a long history.
 *
 * Seeds --rollbacks rollbacks (default 5,000) of ~20 journal events each through the store API
 * (SqliteStore: createRollback, acquireLock, appendEvent with the fence, releaseLock), then times
 * `node dist/cli/main.js status --config <file>` as a fresh process, --runs times (default 20),
 * interleaved with the baselines `node -e 0` and `node dist/cli/main.js --version`, and with
 * `status` on an environment without history (what the history itself costs).
 *
 * Seeding speed: the store is first opened with openSqliteStore (migrations, real pragmas);
 * the seeding connection then uses synchronous=OFF, because 100,000 fsynced commits would take
 * minutes and durability of the seed is not what is measured. Reads do not depend on it.
 *
 * Both forms of the CLI are timed: tsc's module tree (dist/cli/main.js, what the tests spawn)
 * and the esbuild bundle the package's bin runs (dist/cli-bundle/backout.js); the goal is
 * judged on the bundle, with its V8 code cache in place (what every run but a command's very
 * first one on a machine sees); the first run, which compiles and writes the cache, is timed too.
 *
 * Run `npm run build` first: the CLI is measured from dist/.
 *
 *   npx tsx bench/cold-start.ts [--rollbacks 5000] [--runs 20]
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { stringify } from "yaml";
import type { Holder, JournalEventData } from "../src/core/journal-events.js";
import type { Plan, PlannedStep } from "../src/core/model.js";
import { openSqliteStore, SqliteStore } from "../src/store/sqlite/index.js";
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

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "dist", "cli", "main.js");
/** What `backout` runs once installed (package.json bin): the esbuild bundle of the same CLI. */
const BUNDLE = join(ROOT, "dist", "cli-bundle", "backout.js");
const COMPONENTS = 10;
const ENVIRONMENT = "bench-history";
/** Proposed goal: status may cost at most this much more than an empty `node -e 0`. */
const GOAL_EXTRA_MS = 150;

function componentNames(): string[] {
  return Array.from({ length: COMPONENTS }, (_, i) => `svc${i}`);
}

export function writeEnvironment(dir: string): string {
  const components: Record<string, unknown> = {};
  componentNames().forEach((name, i) => {
    components[name] = {
      kind: "command",
      dependsOn: i === 0 ? [] : [`svc${i - 1}`],
      capture: ["/bin/cat", `state/${name}`],
      apply: ["/bin/true", "{{target}}"],
    };
  });
  const file = join(dir, "backout.yaml");
  writeFileSync(
    file,
    stringify({ version: 1, environment: ENVIRONMENT, store: { path: ".backout" }, components }),
  );
  return file;
}

/** The plan a typical rollback of this environment carries: 9 of the 10 components. */
function samplePlan(checkpointId: string): Plan {
  const names = componentNames().slice(1).reverse();
  const steps: PlannedStep[] = names.map((c, i) => ({
    id: `${c}#1:run-command`,
    component: c,
    kind: "command",
    phase: "main",
    after: i === 0 ? [] : [`${names[i - 1]}#1:run-command`],
    action: "run-command",
    description: `run deploy for ${c}: 2.4.1 → 2.4.0`,
    target: { version: "2.4.0" },
    params: { current: "2.4.1", target: "2.4.0" },
    risk: { dataLoss: false, summary: "runs deploy" },
    reversible: true,
    estimateMs: 1000,
  }));
  return {
    formatVersion: 1,
    environment: ENVIRONMENT,
    checkpoint: { id: checkpointId, name: "before-2.4.1", createdAt: 0 },
    scope: { only: [], except: [] },
    components: names.map((c) => ({
      name: c,
      kind: "command",
      layer: "app",
      from: { version: "2.4.1" },
      to: { version: "2.4.0" },
      reason: "selected",
      upToDate: false,
    })),
    steps,
    concurrency: 4,
    dataLoss: false,
    estimateMs: steps.length * 1000,
    hash: "ab".repeat(32),
  };
}

export async function seed(storeDir: string, rollbacks: number): Promise<{ events: number; ms: number }> {
  const t0 = performance.now();
  const now = Date.now();
  const start = now - rollbacks * 3_600_000;
  // Create and migrate through the real entry point, with one good checkpoint.
  const proper = openSqliteStore(storeDir);
  await proper.saveCheckpoint({
    id: "c-good",
    name: "before-2.4.1",
    environment: ENVIRONMENT,
    createdAt: start - 60_000,
    good: true,
    markedGoodAt: start - 60_000,
    components: Object.fromEntries(componentNames().map((c) => [c, { version: "2.4.0" }])),
  });
  await proper.close();

  const file = join(storeDir, "backout.db");
  const db = new Database(file, { timeout: 5000 });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  db.pragma("foreign_keys = ON");
  const store = new SqliteStore(db, file);
  const holder: Holder = { token: "seed", pid: 1, host: "bench" };
  const plan = samplePlan("c-good");
  let events = 0;
  try {
    for (let r = 0; r < rollbacks; r++) {
      let at = start + r * 3_600_000;
      const id = `r-${String(r).padStart(6, "0")}`;
      await store.createRollback(
        { id, environment: ENVIRONMENT, checkpointId: "c-good", planHash: plan.hash, plan, createdAt: at },
        { type: "queued", plan, requestedBy: "bench:1" },
        holder,
        15_000,
      );
      events++;
      const lock = await store.acquireLock({
        environment: ENVIRONMENT,
        rollbackId: id,
        holder,
        now: at,
        leaseMs: 15_000,
        isHolderGone: () => false,
      });
      if (!lock.acquired) throw new Error(`seed: lock not acquired for ${id}`);
      const fence = { epoch: lock.epoch, token: holder.token };
      const append = async (e: JournalEventData) => {
        at += 1500;
        await store.appendEvent(id, at, e, fence);
        events++;
      };
      await append({ type: "started", holder, epoch: lock.epoch, deadlineAt: at + 900_000 });
      // One rollback in ten escalates on its last step.
      const fails = r % 10 === 9;
      for (const [i, s] of plan.steps.entries()) {
        await append({ type: "step-started", stepId: s.id, attempt: 1 });
        if (fails && i === plan.steps.length - 1) {
          await append({
            type: "step-failed",
            stepId: s.id,
            attempt: 1,
            durationMs: 1400,
            error: { code: "COMMAND_FAILED", message: "command exited 1", retryable: false },
            willRetry: false,
          });
        } else {
          await append({ type: "step-succeeded", stepId: s.id, attempt: 1, durationMs: 1400, output: "ok" });
        }
      }
      if (fails) {
        const last = plan.steps[plan.steps.length - 1]?.id ?? "";
        const done = plan.steps.slice(0, -1).map((s) => s.id);
        await append({
          type: "escalated",
          reason: "step failed",
          failedSteps: [last],
          done,
          notDone: [last],
        });
        await append({ type: "finished", state: "escalated", reason: "step failed" });
      } else {
        await append({ type: "finished", state: "succeeded" });
      }
      await store.releaseLock(ENVIRONMENT, id);
    }
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    await store.close();
  }
  return { events, ms: performance.now() - t0 };
}

interface Timed {
  label: string;
  args: string[];
  samples: number[];
  /** Runs before each timed run (not timed). */
  before?: () => void;
}

/** The bundle's code cache (src/cli/compile-cache.ts) for the timed runs: this bench's own. */
let compileCache = "";

function runOnce(
  args: string[],
  cwd: string,
): { ms: number; status: number | null; stdout: string; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, BACKOUT_COMPILE_CACHE: compileCache },
  });
  return { ms: performance.now() - t0, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface ColdStartResult {
  nodeMs: number;
  versionMs: number;
  statusMs: number;
  emptyStatusMs: number;
  ratio: number;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<ColdStartResult | undefined> {
  const o = intOptions({ rollbacks: 5000, runs: 20 }, argv);
  const rollbacks = Math.max(1, Math.floor(o.rollbacks));
  const runs = Math.max(1, Math.floor(o.runs));
  heading(`cold-start: backout status with ${rollbacks} rollbacks of history, ${runs} runs each`);
  row("machine", machine());
  if (!existsSync(CLI) || !existsSync(BUNDLE)) {
    note(`${CLI} does not exist: run \`npm run build\` first. Skipped.`);
    return undefined;
  }
  const history = scratchDir("history");
  const empty = scratchDir("empty");
  const cache = scratchDir("compile-cache");
  compileCache = cache.dir;
  try {
    const envFile = writeEnvironment(history.dir);
    const emptyEnv = writeEnvironment(empty.dir);
    const seeded = await seed(join(history.dir, ".backout"), rollbacks);
    const dbBytes = statSync(join(history.dir, ".backout", "backout.db")).size;
    row("seeded through the store API", `${seeded.events} journal events in ${fmtMs(seeded.ms)}`);
    row("events per rollback", (seeded.events / rollbacks).toFixed(1));
    row("state database size", `${(dbBytes / 1024 / 1024).toFixed(1)} MiB`);
    // The empty environment gets its store (and a good checkpoint) but no rollbacks.
    await seed(join(empty.dir, ".backout"), 0);

    const cases: Timed[] = [
      { label: "baseline: node -e 0", args: ["-e", "0"], samples: [] },
      { label: "node dist/cli/main.js --version", args: [CLI, "--version"], samples: [] },
      { label: "status, no history", args: [CLI, "status", "--config", emptyEnv], samples: [] },
      { label: `status, ${rollbacks} rollbacks`, args: [CLI, "status", "--config", envFile], samples: [] },
      { label: "bundle: status, no history", args: [BUNDLE, "status", "--config", emptyEnv], samples: [] },
      {
        label: `bundle: status, ${rollbacks} rollbacks`,
        args: [BUNDLE, "status", "--config", envFile],
        samples: [],
      },
      {
        label: "bundle: status, first run (no code cache yet)",
        args: [BUNDLE, "status", "--config", envFile],
        samples: [],
        before: () => rmSync(cache.dir, { recursive: true, force: true }),
      },
    ];
    // One untimed run of each warms the page cache; then the cases are interleaved.
    for (const c of cases) {
      const r = runOnce(c.args, history.dir);
      if (r.status !== 0) {
        note(`${c.label} exited ${r.status}: ${r.stderr.trim() || r.stdout.trim()}`);
      }
    }
    const shown = runOnce([CLI, "status", "--config", envFile], history.dir);
    console.log(
      shown.stdout
        .trim()
        .split("\n")
        .map((l) => `    | ${l}`)
        .join("\n"),
    );
    for (let i = 0; i < runs; i++) {
      for (const c of cases) {
        c.before?.();
        c.samples.push(runOnce(c.args, history.dir).ms);
      }
    }
    for (const c of cases) {
      row(c.label, `median ${fmtMs(median(c.samples))}, p90 ${fmtMs(quantile(c.samples, 0.9))}`);
    }
    const [nodeCase, versionCase, emptyCase, tscStatus, bundleEmpty, statusCase, firstRun] = cases.map((c) =>
      median(c.samples),
    ) as [number, number, number, number, number, number, number];
    const ratio = statusCase / nodeCase;
    row("tsc modules: status beyond node -e 0", fmtMs(tscStatus - nodeCase));
    row("bundle: status, no history, beyond node -e 0", fmtMs(bundleEmpty - nodeCase));
    row("ratio bundle status / node -e 0 (medians)", fmtRatio(ratio));
    row("ratio bundle status / --version (medians)", fmtRatio(statusCase / versionCase));
    row(
      "bundle: status beyond node -e 0",
      `${fmtMs(statusCase - nodeCase)}  (${goal(statusCase - nodeCase, GOAL_EXTRA_MS, "goal, ms")})`,
    );
    row("bundle: first run of status (writes the code cache), beyond node -e 0", fmtMs(firstRun - nodeCase));
    row("what the history costs (status − status without, tsc)", fmtMs(tscStatus - emptyCase));
    return {
      nodeMs: nodeCase,
      versionMs: versionCase,
      statusMs: statusCase,
      emptyStatusMs: emptyCase,
      ratio,
    };
  } finally {
    history.remove();
    empty.remove();
    cache.remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
