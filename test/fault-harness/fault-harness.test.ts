/**
 * The seeded fault-injection harness in CI: one seeded trial for each of the kinds below (the
 * first seed from BASE that draws it; SIGKILL at a random instant or at a journal write is left
 * to the bench and to crash-hooks.test.ts, to keep CI near two minutes), each checked against every invariant, and the negative control proving
 * the checker catches a double apply. A failing trial prints its seed and the command that
 * replays it; `npx tsx bench/fault-trials.ts` runs hundreds.
 */
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeScenario, makeScenario, type FaultKind } from "./scenario.js";
import { runTrial, type TrialResult } from "./trial.js";

const BASE = 20_261_202;
const isRoot = process.getuid?.() === 0;

/** The first seed at or after BASE whose trial injects `kind`. */
function seedFor(kind: FaultKind): number {
  for (let seed = BASE; ; seed++) if (makeScenario(seed).fault === kind) return seed;
}

function explain(r: TrialResult): string {
  return [
    describeScenario(r.scenario),
    ...r.violations,
    `replay: npx tsx bench/fault-trials.ts --seed ${r.seed} --trials 1 (its directory ${r.dir} is kept with BACKOUT_KEEP_TEMP=1)`,
  ].join("\n");
}

/** Generous: a trial takes 20-40 s alone and about two minutes on a saturated 2-core machine. */
const TRIAL_TIMEOUT = 420_000;
const CI_KINDS: FaultKind[] = ["kill-mid-step", "stall", "store-damage", "time-limit"];

describe.concurrent(
  "seeded fault trials: every invariant holds (and the negative control breaks one)",
  () => {
    for (const kind of CI_KINDS) {
      const seed = seedFor(kind);
      it(`seed ${seed}: ${kind}`, { timeout: TRIAL_TIMEOUT }, async () => {
        const r = await runTrial(seed);
        expect(r.violations, explain(r)).toEqual([]);
        expect(r.injected.length, explain(r)).toBeGreaterThan(0);
      });
    }

    const diskSeed = seedFor("disk-full");
    it.runIf(isRoot)(
      `seed ${diskSeed}: disk-full on a 2 MiB tmpfs (skipped unless root: mounting a tmpfs needs it)`,
      { timeout: TRIAL_TIMEOUT },
      async () => {
        const r = await runTrial(diskSeed);
        expect(r.violations, explain(r)).toEqual([]);
        expect(r.injected, explain(r)).toContain("disk-full");
      },
    );

    // The negative control: a deliberately broken step proves the checker can fail.
    it(
      "steps that escape their process group are double-applied after a SIGKILL, and the harness says so",
      { timeout: TRIAL_TIMEOUT },
      async () => {
        const r = await runTrial(BASE, { broken: true });
        expect(r.injected).toContain("kill-mid-step");
        expect(r.violations.join("\n")).toMatch(/applied 2 times|overlapping applications/);
        rmSync(r.dir, { recursive: true, force: true });
      },
    );
  },
);
