/**
 * bench/fault-trials.ts — the seeded fault-injection harness (test/fault-harness/) over many
 * trials: each seed builds a small DAG of recording `command` components, rolls it back with the
 * real CLI (dist/) while injecting the seed's fault (SIGKILL at a random instant, mid-step or at
 * a journal write; SIGSTOP past the lease with a queued run; a full tmpfs under the store; store
 * damage; the time limit hit with a descendant), drives resume to the end and checks the
 * invariants. Prints the trials, the faults injected by kind, the seeds and every violation
 * (with the trial's directory, kept for inspection); exits 1 if any invariant broke.
 *
 *   npm run build && npx tsx bench/fault-trials.ts [--trials 300] [--seed 1] [--parallel 2]
 *   npx tsx bench/fault-trials.ts --seed 1234 --trials 1      # replay one seed
 *   npx tsx bench/fault-trials.ts --broken 1 --trials 5       # the negative control
 */
import { pathToFileURL } from "node:url";
import { runTrial, type TrialResult } from "../test/fault-harness/trial.js";
import { describeScenario } from "../test/fault-harness/scenario.js";
import { fmtMs, heading, intOptions, machine, note, row } from "./lib.js";

export async function main(argv: string[]): Promise<TrialResult[]> {
  const o = intOptions({ trials: 300, seed: 1, parallel: 2, broken: 0 }, argv);
  heading(
    `fault-trials: ${o.trials} trials from seed ${o.seed}, ${o.parallel} at a time${o.broken ? ", BROKEN steps (negative control)" : ""}`,
  );
  note(machine());
  const t0 = performance.now();
  const results: TrialResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.trials) {
      const seed = o.seed + next++;
      const r = await runTrial(seed, o.broken ? { broken: true } : {});
      results.push(r);
      const mark = r.violations.length ? "VIOLATION" : "ok";
      console.log(
        `${mark.padEnd(9)} ${fmtMs(r.durationMs).padStart(8)}  ${describeScenario(r.scenario)}  [${r.injected.join(", ") || "no fault landed"}]`,
      );
      for (const v of r.violations) console.log(`          ${v}\n          (kept: ${r.dir})`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.parallel) }, worker));
  const byKind = new Map<string, number>();
  for (const r of results)
    for (const k of r.injected) byKind.set(k.split(":")[0] ?? k, (byKind.get(k.split(":")[0] ?? k) ?? 0) + 1);
  const drawn = new Map<string, number>();
  for (const r of results) drawn.set(r.scenario.fault, (drawn.get(r.scenario.fault) ?? 0) + 1);
  const failed = results.filter((r) => r.violations.length);
  heading("summary");
  row("trials", `${results.length} (seeds ${o.seed}..${o.seed + o.trials - 1})`);
  row("wall", fmtMs(performance.now() - t0));
  row(
    "scenarios by fault",
    [...drawn]
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(", "),
  );
  row(
    "faults injected",
    [...byKind]
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(", "),
  );
  const skipped = results.flatMap((r) => r.skipped);
  if (skipped.length) row("skipped", `${skipped.length}× ${[...new Set(skipped)].join("; ")}`);
  row(
    "trials with violations",
    `${failed.length}${failed.length ? ` (seeds ${failed.map((r) => r.seed).join(", ")})` : ""}`,
  );
  if (failed.length && !o.broken) process.exitCode = 1;
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv.slice(2));
