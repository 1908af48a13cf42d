/**
 * A fault-harness trial, drawn from its seed alone: a small DAG of recording `command`
 * components (some failing a few times, some always), the policies (attempts, lease, time
 * limit, a data-loss gate), and the fault to inject. The same seed gives the same trial.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { prng, randInt } from "../../bench/lib.js";
import { hookCommand, writeHook } from "./hooks.js";
import { recordingComponent, writeRecordingStep } from "./recording-step.js";

export const FAULT_KINDS = [
  "none",
  "kill-random",
  "kill-mid-step",
  "kill-at-write",
  "stall",
  "disk-full",
  "store-damage",
  "time-limit",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type Damage = "empty" | "garbage" | "truncate";

export interface ComponentSpec {
  name: string;
  dependsOn: string[];
  sleepMs: number;
  /** The first N applications fail; N ≥ maxAttempts means the step always fails. */
  failTimes: number;
  /** The time-limit trial's slow step: sleeps a minute with a descendant holding its stdout. */
  slow: boolean;
}

export interface Scenario {
  seed: number;
  fault: FaultKind;
  components: ComponentSpec[];
  maxAttempts: number;
  leaseS: number;
  /** Seconds; only the time-limit trial sets a short one. */
  timeLimitS: number;
  /** The component whose step is behind the data-loss gate, if any. */
  gated?: string;
  emergencyCommands: number;
  concurrency: number;
  /** kill-random: ms after the start; kill-at-write: the journal write and side. */
  killDelayMs: number;
  failpoint: string;
  damage: Damage;
  /** SIGKILLs of later resumes, at random instants. */
  extraKills: number;
  /** The negative control: steps escape their process group (see recording-step.ts). */
  broken: boolean;
}

export interface ScenarioOptions {
  /** Force a fault kind instead of drawing one. */
  fault?: FaultKind;
  broken?: boolean;
}

const GRACE_S = 2;
/** The limit a time-limit trial sets; the rollback must end by then plus the cancel grace. */
export const TIME_LIMIT_S = 3;
export const CANCEL_GRACE_MS = GRACE_S * 1000;

export function makeScenario(seed: number, opts: ScenarioOptions = {}): Scenario {
  // Consecutive seeds must not draw alike: spread them first (mulberry32's first draws correlate).
  const rand = prng(Math.imul(seed ^ 0x27d4eb2d, 0x9e3779b1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const fault = opts.fault ?? pick(FAULT_KINDS);
  const maxAttempts = randInt(rand, 2, 4);
  const n = opts.broken ? 1 : randInt(rand, 2, 4);
  let alwaysFailing = false;
  const components: ComponentSpec[] = [];
  for (let i = 0; i < n; i++) {
    const dependsOn = components.filter(() => rand() < 0.4).map((c) => c.name);
    let failTimes = 0;
    const r = rand();
    if (r < 0.3) failTimes = randInt(rand, 1, maxAttempts - 1);
    else if (r < 0.4 && !alwaysFailing) {
      failTimes = maxAttempts;
      alwaysFailing = true;
    }
    const sleepMs = opts.broken ? 15_000 : randInt(rand, 100, 700);
    components.push({ name: `c${i}`, dependsOn, sleepMs, failTimes, slow: false });
  }
  const last = components[components.length - 1];
  if (fault === "time-limit" && last) {
    last.slow = true;
    last.failTimes = 0;
  }
  const gated = !opts.broken && rand() < 0.25 ? pick(components).name : undefined;
  return {
    seed,
    fault: opts.broken ? "kill-mid-step" : fault,
    components,
    maxAttempts,
    leaseS: fault === "stall" ? 1 : 2,
    timeLimitS: fault === "time-limit" ? TIME_LIMIT_S : 600,
    gated,
    emergencyCommands: randInt(rand, 1, 2),
    concurrency: randInt(rand, 1, 3),
    killDelayMs: randInt(rand, 0, 2500),
    failpoint: `journal-write:${randInt(rand, 1, 14)}:${pick(["before", "after"] as const)}`,
    damage: pick(["empty", "garbage", "truncate"] as const),
    extraKills: fault === "none" ? 0 : pick([0, 0, 1, 2]),
    broken: opts.broken ?? false,
  };
}

/** Writes backout.yaml, the step and hook programs; every component's state is `v1`. */
export function writeEnvironment(dir: string, s: Scenario): void {
  writeRecordingStep(dir);
  const hook = writeHook(dir);
  const emergency = Array.from(
    { length: s.emergencyCommands },
    (_, i) => `    - name: e${i}
      command: ${hookCommand(hook, join(dir, `emergency-${i}.jsonl`))}
`,
  ).join("");
  const components = s.components
    .map((c) =>
      recordingComponent(dir, c.name, {
        dependsOn: c.dependsOn,
        sleepMs: c.slow ? 60_000 : c.sleepMs,
        childSleep: c.slow ? 60 : 0,
        failTimes: c.failTimes,
        escapeGroup: s.broken,
        dataLoss: c.name === s.gated,
      }),
    )
    .join("");
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: fault-${s.seed}
store: { path: store }
policies:
  concurrency: ${s.concurrency}
  retry: { maxAttempts: ${s.maxAttempts}, initialInterval: 10ms, maximumInterval: 50ms }
  timeLimit: ${s.timeLimitS}s
  lock: { lease: ${s.leaseS}s }
  escalation:
    command: ${hookCommand(hook, join(dir, "escalation.jsonl"))}
  emergency:
${emergency}components:
${components}`,
  );
  for (const c of s.components) writeFileSync(join(dir, "state", c.name), "v1");
}

export function describeScenario(s: Scenario): string {
  const comps = s.components
    .map(
      (c) =>
        `${c.name}${c.dependsOn.length ? `←[${c.dependsOn.join(",")}]` : ""}` +
        `${c.failTimes ? ` fails×${c.failTimes}` : ""}${c.slow ? " slow" : ""}`,
    )
    .join("; ");
  const detail =
    s.fault === "kill-random"
      ? ` after ${s.killDelayMs} ms`
      : s.fault === "kill-at-write"
        ? ` ${s.failpoint}`
        : s.fault === "store-damage"
          ? ` (${s.damage})`
          : "";
  return `seed ${s.seed}: ${s.fault}${detail}${s.extraKills ? ` +${s.extraKills} kill(s) on resume` : ""}; maxAttempts ${s.maxAttempts}; ${comps}${s.gated ? `; gate on ${s.gated}` : ""}${s.broken ? "; BROKEN (escape-group)" : ""}`;
}
