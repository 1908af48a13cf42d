import type { z } from "zod";
import type { Clock } from "./clock.js";
import type { DoctorCheck } from "./doctor-check.js";
import type {
  ComponentConfig,
  ComponentState,
  DataLossPolicy,
  Layer,
  PlannedStep,
  StepSpec,
} from "./model.js";

/**
 * What a provider gets for every call. Child processes must be started with `env`
 * (it carries the nesting guard); output a provider keeps must pass through `redact`.
 */
export interface ProviderContext<S = Record<string, unknown>> {
  component: ComponentConfig<S>;
  /** Directory of the environment file: relative paths in settings are resolved against it. */
  baseDir: string;
  /** Environment for child processes: process.env plus backout's own variables. */
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  clock: Clock;
  redact: (text: string) => string;
  /** The data-loss policy in force for this component (its own, or policies.dataLoss). */
  dataLossPolicy: DataLossPolicy;
  /** The rollback this call is part of; undefined outside one (capture, plan, doctor, drill). */
  rollbackId: string | undefined;
  /** The step being applied or verified; undefined outside a step. */
  stepId: string | undefined;
  /** A value the provider found to be secret (a password in a URL): redacted from then on. */
  secret: (value: string) => void;
}

export interface StepResult {
  /** Short, already-redacted text for the journal (for example the tail of a command's output). */
  output?: string;
}

/**
 * The contract every kind implements (one folder per kind under src/providers/).
 * apply() must be idempotent; verify() answers "is this step's target reached?" and is
 * what `resume` asks before running a step again. Failures are thrown as BackoutError,
 * with `retryable` set truthfully.
 */
export interface Provider<S = Record<string, unknown>> {
  kind: string;
  /** The layer a component of this kind belongs to unless the file says otherwise. */
  defaultLayer: Layer;
  /** Zod object of the provider-specific fields of a component (strict: unknown keys are errors). */
  settingsSchema: z.ZodObject;
  /** One line for `backout schema` and the README. */
  description: string;
  capture(ctx: ProviderContext<S>): Promise<ComponentState>;
  /**
   * Optional: what a checkpoint records, when it is more than the current state (a restore
   * point, a replication slot, a dump). Without it, checkpoints use capture().
   */
  checkpoint?(ctx: ProviderContext<S>, checkpointId: string): Promise<ComponentState>;
  /** Steps from `current` to `target`; throws PLAN_INVALID (with component and a fix) when impossible. */
  plan(ctx: ProviderContext<S>, current: ComponentState, target: ComponentState): Promise<StepSpec[]>;
  apply(ctx: ProviderContext<S>, step: PlannedStep): Promise<StepResult>;
  verify(ctx: ProviderContext<S>, step: PlannedStep): Promise<boolean>;
  /**
   * Optional, for traffic kinds: "pre" and "post" steps that wrap a rollback of other components
   * while this one itself stays as it is (maintenance on, then off; drain, then restore).
   */
  wrap?(ctx: ProviderContext<S>, current: ComponentState): Promise<StepSpec[]>;
  /**
   * Optional: judge a compatibility range against a captured state when plain version
   * comparison cannot (e.g. git: "at or before tag v1.4"). Undefined means "not my syntax".
   */
  satisfies?(state: ComponentState, range: string): boolean | undefined;
  /**
   * Optional: `backout doctor`'s checks of everything a rollback of this component needs
   * (reachable, readable, privileges, the tool's own test), one result per check. Never
   * changes anything; a check that cannot run is a "fail" with its fix, not a throw.
   */
  doctor?(ctx: ProviderContext<S>): Promise<DoctorCheck[]>;
  /**
   * Optional: `backout drill`, proving this component's rollback before it is needed on a scratch
   * copy (never the component itself). `clean: false` makes the command exit 1.
   */
  drill?(ctx: ProviderContext<S>, request: DrillRequest): Promise<CapabilityResult & { clean: boolean }>;
  /**
   * Optional: `backout archive` (list, show, restore, prune) for what this component's rollbacks
   * archived or kept, and `kept` for `backout status` (undefined: nothing kept to report).
   */
  archive?(ctx: ProviderContext<S>, request: ArchiveRequest): Promise<CapabilityResult | undefined>;
}

/** What a capability gives the CLI: the value printed with --json, and the text otherwise. */
export interface CapabilityResult {
  json: unknown;
  text: string;
  /** Printed on standard error after the text (what to do about a result that is not clean). */
  hint?: string;
}

export interface DrillRequest {
  /** `migrations`: up, down and up again; `restore`: restore-and-replay to `checkpoint`. */
  mode: "migrations" | "restore";
  sampleRows: number;
  forceSample?: boolean;
  /** Directory of the database's client programs (pg_dump...), when not on PATH. */
  pgBin?: string;
  /** For `restore`: the checkpoint and this component's state in it. */
  checkpoint?: { id: string; name: string; state: ComponentState | undefined };
}

export interface ArchiveRequest {
  action: "list" | "show" | "restore" | "prune" | "kept";
  name?: string;
  rollback?: string;
  intoTable?: string;
  force?: boolean;
  limit?: number;
  olderThanMs?: number;
  dryRun?: boolean;
}

/** Kind → provider. The CLI (the composition root) builds it; the engine only reads it. */
export type ProviderRegistry = ReadonlyMap<string, Provider<never>>;

/** Narrow a registry entry to the settings type a caller knows it has. */
export function asProvider<S>(p: Provider<never>): Provider<S> {
  return p; // methods are bivariant, so the registry entry already fits
}
