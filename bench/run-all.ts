/**
 * bench/run-all.ts — every benchmark in sequence with modest defaults (a few minutes in all),
 * then one summary. A missed goal is reported, never an error; a bench that throws is reported
 * and the others still run (the exit code is then 1).
 *
 *   npm run build && npx tsx bench/run-all.ts
 */
import { main as coldStart, type ColdStartResult } from "./cold-start.js";
import { main as dagRollback, type DagResult } from "./dag-rollback.js";
import { main as engineOverhead, type OverheadResult } from "./engine-overhead.js";
import { fmtMs, fmtRatio, fmtUs, heading, note, row } from "./lib.js";

/** The serial rollback of all 500 steps alone takes about two minutes: run-all samples 120. */
const SERIAL_SAMPLE = 120;

async function attempt<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  const t0 = performance.now();
  try {
    return await fn();
  } catch (e) {
    process.exitCode = 1;
    console.error(`\n${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return undefined;
  } finally {
    console.log(`  (${name} took ${fmtMs(performance.now() - t0)})`);
  }
}

const t0 = performance.now();
note(
  `dag-rollback runs the serial (concurrency 1) rollback on the first ${SERIAL_SAMPLE} of 500 components ` +
    "and projects the full serial time; run bench/dag-rollback.ts alone for the full serial run.",
);
const dag: DagResult | undefined = await attempt("dag-rollback", () =>
  dagRollback(["--components", "500", "--concurrency", "16", "--serial-components", String(SERIAL_SAMPLE)]),
);
const overhead: OverheadResult[] | undefined = await attempt("engine-overhead", () =>
  engineOverhead(["--steps", "1000"]),
);
const cold: ColdStartResult | undefined = await attempt("cold-start", () =>
  coldStart(["--rollbacks", "5000", "--runs", "20"]),
);

heading("summary");
if (dag) {
  row(
    "dag: wall / lower bound (goal ≤ 1.05)",
    `${fmtRatio(dag.ratio)} (${fmtMs(dag.wallMs)} / ${fmtMs(dag.boundMs)})`,
  );
  if (dag.speedup !== undefined && dag.serialMs !== undefined) {
    row(
      "dag: speed-up over serial (projected serial)",
      `${dag.speedup.toFixed(2)}× (${fmtMs(dag.serialMs)})`,
    );
  }
  row("dag: one process spawn", fmtMs(dag.spawnMs));
}
for (const o of overhead ?? []) {
  const g = o.location === "disk" ? " (goal ≤ 1.10)" : "";
  row(
    `engine on ${o.location}: µs per step, chain / fan`,
    `${fmtUs(o.chainUsPerStep)} / ${fmtUs(o.fanUsPerStep)} vs raw insert ${fmtUs(o.rawUs)}`,
  );
  row(
    `engine on ${o.location}: ratio / (2 × raw)${g}`,
    `${fmtRatio(o.chainRatio)} / ${fmtRatio(o.fanRatio)}`,
  );
}
if (cold) {
  row(
    "cold start: status / node -e 0 (medians)",
    `${fmtRatio(cold.ratio)} (${fmtMs(cold.statusMs)} / ${fmtMs(cold.nodeMs)})`,
  );
  row("cold start: status beyond node -e 0 (goal ≤ 150 ms)", fmtMs(cold.statusMs - cold.nodeMs));
  row("cold start: history cost (5,000 rollbacks)", fmtMs(cold.statusMs - cold.emptyStatusMs));
}
row("run-all took", fmtMs(performance.now() - t0));
