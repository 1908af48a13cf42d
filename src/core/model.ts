/**
 * The shared vocabulary of backout: components, their captured state, checkpoints,
 * plans and steps. Everything here is plain JSON so it can be stored, hashed and reported.
 */

export type Layer = "traffic" | "app" | "database" | "config" | "cache";
export const LAYERS: readonly Layer[] = ["traffic", "app", "database", "config", "cache"];

export type DataLossPolicy = "confirm" | "archive" | "refuse";

/**
 * "When this component's version matches `when`, the listed components must be in
 * a state whose version matches the given range." Ranges are semver ranges
 * (`<2.0.0`, `^1.4`) or numeric comparators for migration numbers (`<=41`, `>=40 <42`).
 */
export interface CompatibilityRule {
  when: string;
  requires: Record<string, string>;
}

/** One component of the environment, as validated from backout.yaml. */
export interface ComponentConfig<S = Record<string, unknown>> {
  name: string;
  kind: string;
  layer: Layer;
  dependsOn: string[];
  compatibility: CompatibilityRule[];
  /** Overrides policies.dataLoss for this component's steps. */
  dataLoss: DataLossPolicy | undefined;
  /** The provider-specific fields, validated by the provider's settings schema. */
  settings: S;
  /** Checks of this component run in the validation after a rollback that touched it. */
  checks?: Readonly<Record<string, unknown>>[];
}

/*
 * HASHED OR SHOWN (the rule of the plan hash, see planner/hash.ts and the README):
 * the plan hash covers everything a step will execute (action, params, target, phase, order),
 * the components' states by version and stable details, the settings each component is planned
 * with, and the gate-relevant classification (which steps may lose data, and what kind of loss:
 * risk.dataLoss and risk.summary). Live measurements that move while the system serves traffic
 * (row and key counts, WAL and byte sizes, estimates, timings) are only shown: they live in the
 * fields named `measured` (ComponentState, StepSpec, Risk), in `risk.rowsAtRisk` and in
 * `estimateMs`, which the hash skips. So a plan confirmed a minute ago still has the same hash
 * while an application writes, and any change to what would run gives a different one.
 * Providers keep numbers that move out of `summary`, `description`, `params` and `details`.
 */

/** What a provider captured about one component at one moment. */
export interface ComponentState {
  /** Comparable, human-readable version (release name, migration number, commit). */
  version: string;
  /** Provider-specific facts needed later to plan or verify; plain JSON. Hashed: keep it stable. */
  details?: Record<string, unknown>;
  /**
   * Live measurements that move under traffic (key counts, row counts, WAL positions), plain
   * JSON: shown and usable for estimates, never hashed and never compared by verify.
   */
  measured?: Record<string, unknown>;
}

export interface CheckpointRecord {
  id: string;
  name: string;
  environment: string;
  createdAt: number;
  good: boolean;
  markedGoodAt: number | undefined;
  components: Record<string, ComponentState>;
  /**
   * Taken with --allow-partial: the components that could not be read then, and why. They have
   * no state here, and a plan that needs one of them is refused (CHECKPOINT_INCOMPLETE).
   */
  unreadable?: Record<string, string>;
}

export interface Risk {
  /** Hashed: whether the step may lose data (the data-loss gate applies). */
  dataLoss: boolean;
  /** Hashed, so stable: what is lost, without live numbers: "drops column users.nickname". */
  summary: string;
  /** Shown only: the live measurement that goes with the summary: "1,204 non-null values now". */
  measured?: string;
  /** Shown only: rows or values that would be lost, when the provider could measure them. */
  rowsAtRisk?: number;
}

/** The risk as one line: the summary, then the live measurement in parentheses. */
export function riskText(risk: Risk): string {
  return risk.measured === undefined ? risk.summary : `${risk.summary} (${risk.measured})`;
}

/** Phases let traffic components wrap the rollback: "pre" steps before every "main" step, "post" after. */
export type StepPhase = "pre" | "main" | "post";

/** What a provider's plan() returns for one component. Steps of one component run in order. */
export interface StepSpec {
  /** Short verb, stable across runs: "switch-release", "run-command". */
  action: string;
  description: string;
  phase?: StepPhase;
  /** The state this step brings the component to (for verify and for reports). */
  target: ComponentState;
  /** Everything apply() needs, as plain JSON. */
  params: Record<string, unknown>;
  risk: Risk;
  /** Whether this step can itself be undone (e.g. a symlink swap can; a DROP cannot). */
  reversible: boolean;
  /** Shown only (not hashed): a guess from live sizes. */
  estimateMs?: number;
  /** Shown only (not hashed): live sizes that go with the description ("12 MiB of WAL to decode"). */
  measured?: string;
}

export interface PlannedStep extends StepSpec {
  /** Unique in the plan and stable: `<component>#<n>:<action>`. */
  id: string;
  component: string;
  kind: string;
  phase: StepPhase;
  /** Step ids that must have succeeded before this one may start. */
  after: string[];
}

/**
 * A component's configuration as planned (secrets redacted): the steps run with exactly this, or
 * not at all (PLAN_STALE when backout.yaml changed since).
 */
export interface PlannedConfig {
  kind: string;
  layer: Layer;
  dependsOn: string[];
  compatibility: CompatibilityRule[];
  dataLoss: DataLossPolicy | null;
  settings: Record<string, unknown>;
  checks: Readonly<Record<string, unknown>>[];
}

export interface PlanComponent {
  name: string;
  kind: string;
  layer: Layer;
  from: ComponentState;
  to: ComponentState;
  /** Why it is in the rollback: chosen by the user (or the whole environment), or pulled in. */
  reason: "selected" | "pulled-in";
  /** For pulled-in components: the sentence that says which requirement pulled it in. */
  because?: string;
  /** True when current state already equals the target: no steps of its own (traffic may still wrap the rollback). */
  upToDate: boolean;
  /** The configuration it was planned with; absent only in plans made before backout recorded it. */
  config?: PlannedConfig;
}

export interface Plan {
  formatVersion: 1;
  environment: string;
  checkpoint: { id: string; name: string; createdAt: number };
  scope: { only: string[]; except: string[] };
  components: PlanComponent[];
  steps: PlannedStep[];
  concurrency: number;
  /** True when at least one step may lose data: the data-loss gate applies. */
  dataLoss: boolean;
  /** Shown only (not hashed). */
  estimateMs: number;
  /** sha256 (hex) of the canonical JSON of the hashed content (see planner/hash.ts). */
  hash: string;
}

export type RollbackState =
  | "queued"
  | "running"
  | "awaiting-confirmation"
  | "succeeded"
  | "failed"
  | "escalated"
  | "timed-out"
  | "cancelled";

export const TERMINAL_STATES: readonly RollbackState[] = [
  "succeeded",
  "failed",
  "escalated",
  "timed-out",
  "cancelled",
];

export function isTerminal(state: RollbackState): boolean {
  return TERMINAL_STATES.includes(state);
}

/**
 * The outcome of one health, metric, integrity or command check. "error" means the check could
 * not be judged (Prometheus unreachable, a bad query, an empty result), which is not the same
 * as "fail" (judged, and the threshold or expectation was not met).
 */
export interface CheckResult {
  name: string;
  kind: "http" | "tcp" | "command" | "metric" | "integrity";
  status: "pass" | "fail" | "error";
  /** One line: what was checked and what was found. */
  detail: string;
  /** The measured number, for metric checks and latencies. */
  value?: number;
  durationMs: number;
  component?: string;
}
