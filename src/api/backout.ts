import type { EnvironmentConfig } from "../config/types.js";
import type { Actor } from "../core/actor.js";
import { checkpointWithEvents } from "../core/checkpoint-audit.js";
import type { Engine, PlanRequest } from "../core/engine.js";
import type { CheckpointRecord, Plan } from "../core/model.js";
import { readPlanFile, savedPlanText, writePlanFile } from "../core/plan-file.js";
import {
  approveRollback,
  cancelRollback,
  findInterrupted,
  resumeRollback,
  runRollback,
  runSavedPlan,
  type InterruptedRollback,
  type RunControl,
  type RunOutcome,
} from "../core/rollbacks.js";
import { watchDeploy, type WatchOptions, type WatchOutcome } from "../core/watch.js";
import type { RollbackRecord, Store } from "../store/store.js";
import { composeEngine, type ComposeOptions } from "./compose.js";
import { loadEnvironment, type Environment } from "./environment.js";

export interface CheckpointOptions {
  name?: string;
  /** Make it a rollback target at once. */
  good?: boolean;
  /** Record the components that can be read and which ones could not (plans needing those are refused). */
  allowPartial?: boolean;
  /** Who takes it, for the checkpoint audit (via "library"); default: this process (host:pid). */
  by?: string;
}

const library = (by: string | undefined): Actor | undefined =>
  by === undefined ? undefined : { name: by, via: "library" };

export type OpenOptions = Omit<ComposeOptions, "beforeUse">;

/**
 * One environment, opened: every operation of the CLI as a method, with the same circuit
 * breakers (lock, data-loss gate, attempts, time limit, no nesting). Errors are BackoutError
 * with a stable `code`. Call close() when done: it flushes notifications and closes the store.
 */
export class Backout {
  /** The engine underneath, for what this surface does not cover. */
  readonly engine: Engine;

  constructor(engine: Engine) {
    this.engine = engine;
  }

  get config(): EnvironmentConfig {
    return this.engine.config;
  }

  get store(): Store {
    return this.engine.store;
  }

  /** Asks every component's provider for its state and stores it as a checkpoint. */
  checkpoint(options: CheckpointOptions = {}): Promise<CheckpointRecord> {
    const { by, ...rest } = options;
    const actor = library(by);
    return this.engine.checkpoint({ ...rest, ...(actor ? { by: actor } : {}) });
  }

  /** `by`: who, for the checkpoint audit (via "library"); default: this process. */
  markGood(ref: string, by?: string): ReturnType<Engine["markGood"]> {
    return this.engine.markGood(ref, library(by));
  }

  unmarkGood(ref: string, by?: string): ReturnType<Engine["unmarkGood"]> {
    return this.engine.unmarkGood(ref, library(by));
  }

  checkpoints(limit?: number): Promise<CheckpointRecord[]> {
    return this.store.listCheckpoints(limit);
  }

  /** One checkpoint with its audit: who took it, marked it good or unmarked it, when, through what. */
  checkpointHistory(ref: string): ReturnType<typeof checkpointWithEvents> {
    return checkpointWithEvents(this.engine, ref);
  }

  /** The steps from the live state to the checkpoint (the last good one by default); changes nothing. */
  plan(request: PlanRequest = {}): Promise<Plan> {
    return this.engine.plan(request);
  }

  /**
   * Plans and runs a rollback: queued, then the lock, then the steps. A plan that may lose data
   * ends `awaiting-confirmation` unless `confirmHash` (or `prompt`) confirms that exact plan.
   */
  run(request: PlanRequest = {}, control: RunControl = {}): Promise<RunOutcome> {
    return runRollback(this.engine, request, control);
  }

  /**
   * Saves a plan to a file (`backout plan --out`): complete, secrets redacted, written whole or
   * not at all; an existing file is replaced only with `force`.
   */
  async savePlan(plan: Plan, path: string, options: { force?: boolean } = {}): Promise<void> {
    const text = this.engine.redact(savedPlanText(plan, new Date(this.engine.clock.now())));
    await writePlanFile(path, text, options.force ?? false);
  }

  /**
   * Runs exactly a saved plan (`backout run --plan`): PLAN_FILE_INVALID for a damaged or edited
   * file, PLAN_STALE for a changed configuration, PLAN_DRIFTED (before the first step) when a
   * component is no longer in the plan's starting state.
   */
  async runSaved(path: string, control: RunControl = {}): Promise<RunOutcome> {
    return runSavedPlan(this.engine, await readPlanFile(path), path, control);
  }

  /** Continues an interrupted rollback, or one that was approved. */
  resume(id: string, control: RunControl = {}): Promise<RunOutcome> {
    return resumeRollback(this.engine, id, control);
  }

  /** Confirms the data-loss steps of a rollback awaiting confirmation; resume() then runs them. */
  approve(id: string, planHash: string, by = "library"): Promise<void> {
    return approveRollback(this.engine, id, planHash, by);
  }

  /** Ends a queued, waiting or interrupted rollback and frees the environment. */
  cancel(id: string, by = "library"): Promise<void> {
    return cancelRollback(this.engine, id, by);
  }

  /** The `watch` analysis: rolls back on its own when it fails, checkpoints (good) when it passes. */
  watch(options: WatchOptions = {}): Promise<WatchOutcome> {
    return watchDeploy(this.engine, options);
  }

  rollback(id: string): Promise<RollbackRecord | undefined> {
    return this.store.getRollback(id);
  }

  rollbacks(limit?: number): Promise<RollbackRecord[]> {
    return this.store.listRollbacks(limit === undefined ? {} : { limit });
  }

  /** Rollbacks no live process carries on: each needs resume() or cancel(). */
  interrupted(): Promise<InterruptedRollback[]> {
    return findInterrupted(this.engine);
  }

  /** Flushes pending notifications (bounded by policies.notifications.flush) and closes the store. */
  close(): Promise<void> {
    return this.engine.close();
  }
}

/**
 * Opens an environment: a validated Environment (parseEnvironment, loadEnvironment) or the path
 * of its file. The store is the SQLite store at `store.path` unless one is given.
 */
export async function openBackout(
  environment: Environment | string,
  options: OpenOptions = {},
): Promise<Backout> {
  const env = typeof environment === "string" ? loadEnvironment(environment) : environment;
  return new Backout(await composeEngine(env, options));
}
