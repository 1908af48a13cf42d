import type { EnvironmentConfig } from "../../config/types.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../clock.js";
import { BackoutError, toBackoutError } from "../errors.js";
import type { Holder } from "../journal-events.js";
import type { JournalWriter } from "../journal-writer.js";
import type { Plan, PlannedStep, RollbackState } from "../model.js";
import { ACTIVE_ROLLBACK_ENV, runInsideRollback } from "../nesting.js";
import { asProvider, type ProviderContext, type ProviderRegistry } from "../provider.js";
import { priorities } from "../planner/index.js";
import { decideGate, type GateOptions } from "./gate.js";
import { runEmergencyProcedure, runEscalationHook } from "./hooks.js";
import { readExecutionState, type ExecutionState } from "./execution-state.js";
import { keepLease } from "./lease.js";
import { backoffMs } from "./retry.js";

export interface ExecuteDeps {
  config: EnvironmentConfig;
  store: Store;
  providers: ProviderRegistry;
  clock: Clock;
  redact: (text: string) => string;
  journal: JournalWriter;
  holder: Holder;
  epoch: number;
  env?: Record<string, string | undefined>;
}

export interface ExecuteOptions extends GateOptions {
  resumed: boolean;
  /** Aborting it (Ctrl-C) stops dispatching and cancels running steps; the rollback stays resumable. */
  signal?: AbortSignal;
}

export interface RunOutcome {
  rollbackId: string;
  state: RollbackState;
  reason?: string;
  planHash: string;
}

type StopReason = "escalate" | "deadline" | "lock-lost" | "interrupted";

/**
 * Runs (or continues) one rollback whose lock this process holds: the data-loss gate, the
 * step DAG with retries, the time limit, escalation and the emergency procedure. Every
 * decision is journalled before it takes effect, so a crash at any point can be resumed.
 */
export async function executeRollback(deps: ExecuteDeps, options: ExecuteOptions): Promise<RunOutcome> {
  const { journal, clock, config } = deps;
  const id = journal.rollbackId;
  const fence = { epoch: deps.epoch, token: deps.holder.token };
  journal.setFence(fence);
  const state = readExecutionState(await deps.store.readJournal(id));
  const plan = state.plan;
  const outcome = (s: RollbackState, reason?: string): RunOutcome => ({
    rollbackId: id,
    state: s,
    planHash: plan.hash,
    ...(reason === undefined ? {} : { reason }),
  });

  if (state.startedAt === undefined) {
    state.deadlineAt = clock.now() + config.policies.timeLimitMs;
    await journal.append({
      type: "started",
      holder: deps.holder,
      epoch: deps.epoch,
      deadlineAt: state.deadlineAt,
    });
  } else {
    const interrupted = [...state.steps].filter(([, s]) => s.inFlight).map(([sid]) => sid);
    await journal.append({
      type: "resumed",
      holder: deps.holder,
      epoch: deps.epoch,
      interruptedSteps: interrupted,
    });
  }
  const deadlineAt = state.deadlineAt ?? clock.now() + config.policies.timeLimitMs;

  const stop = new AbortController();
  const lease = keepLease(deps.store, config, fence, clock, stop.signal);
  try {
    if (clock.now() < deadlineAt && !state.escalated && !state.emergencyStarted) {
      const gate = await decideGate(journal, plan, state, options);
      if (gate === "wait") {
        stop.abort();
        await deps.store.parkLock(config.environment, fence);
        return outcome("awaiting-confirmation", "the plan may lose data and has not been confirmed");
      }
    }

    const reason = await runSteps(deps, options, state, deadlineAt, stop, lease.lost);
    if (reason === "lock-lost") return outcome("failed", "another process took over this rollback's lock");
    if (reason === "interrupted") return outcome("running", "interrupted; resume with backout resume");

    const hookDeps = { journal, env: childEnv(deps, id), baseDir: config.baseDir, redact: deps.redact };
    if (reason === "deadline") {
      if (!state.emergencyStarted) {
        await journal.append({ type: "deadline-passed", deadlineAt });
        await runEmergencyProcedure(hookDeps, config.policies.emergency, id);
      }
      const why = `time limit of ${Math.round(config.policies.timeLimitMs / 1000)} s passed`;
      await journal.append({ type: "finished", state: "timed-out", reason: why });
      return outcome("timed-out", why);
    }
    if (reason === "escalate") {
      const after = readExecutionState(await deps.store.readJournal(id));
      const done = [...after.steps].filter(([, s]) => s.succeeded).map(([sid]) => sid);
      const notDone = [...after.steps].filter(([, s]) => !s.succeeded).map(([sid]) => sid);
      const failed = [...after.steps].filter(([, s]) => !s.succeeded && s.failures > 0).map(([sid]) => sid);
      const why = `step ${failed.join(", ")} failed after its attempts`;
      if (!state.escalated) {
        const summary = {
          rollbackId: id,
          environment: config.environment,
          reason: why,
          failedSteps: failed,
          done,
          notDone,
        };
        await journal.append({ type: "escalated", reason: why, failedSteps: failed, done, notDone });
        await runEscalationHook(hookDeps, config.policies.escalation, summary);
      }
      await journal.append({ type: "finished", state: "escalated", reason: why });
      return outcome("escalated", why);
    }
    await journal.append({ type: "finished", state: "succeeded" });
    return outcome("succeeded");
  } catch (e) {
    const err = toBackoutError(e);
    if (err.code === "LOCK_LOST") return outcome("failed", err.message);
    throw err;
  } finally {
    stop.abort();
    await lease.done;
    const current = await deps.store.getRollback(id);
    if (current && ["succeeded", "failed", "escalated", "timed-out", "cancelled"].includes(current.state)) {
      await deps.store.releaseLock(config.environment, id);
    }
  }
}

function childEnv(deps: ExecuteDeps, rollbackId: string): Record<string, string | undefined> {
  return { ...(deps.env ?? process.env), [ACTIVE_ROLLBACK_ENV]: rollbackId, BACKOUT_ROLLBACK_ID: rollbackId };
}

/** Dispatches ready steps by critical-path priority, up to the concurrency limit. */
async function runSteps(
  deps: ExecuteDeps,
  options: ExecuteOptions,
  state: ExecutionState,
  deadlineAt: number,
  stop: AbortController,
  leaseLost: Promise<void>,
): Promise<StopReason | undefined> {
  const { plan } = state;
  const prio = priorities(plan.steps);
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const cancelSteps = new AbortController();
  let reason: StopReason | undefined;
  const halt = (r: StopReason) => {
    reason ??= r;
    if (r !== "escalate") cancelSteps.abort();
  };

  if (deadlineAt <= deps.clock.now()) halt("deadline");
  const timer = deps.clock.sleep(deadlineAt - deps.clock.now(), stop.signal).then(() => {
    if (!stop.signal.aborted) halt("deadline");
  });
  void leaseLost.then(() => halt("lock-lost"));
  const onUserAbort = () => halt("interrupted");
  options.signal?.addEventListener("abort", onUserAbort, { once: true });
  if (options.signal?.aborted) halt("interrupted");

  const running = new Map<string, Promise<void>>();
  const wake = { promise: Promise.resolve(), resolve: () => {} };
  const rearm = () => {
    wake.promise = new Promise<void>((r) => (wake.resolve = r));
  };
  rearm();
  void timer.then(() => wake.resolve());
  void leaseLost.then(() => wake.resolve());
  options.signal?.addEventListener("abort", () => wake.resolve(), { once: true });

  const isReady = (s: PlannedStep) =>
    !state.steps.get(s.id)?.succeeded &&
    !running.has(s.id) &&
    s.after.every((a) => state.steps.get(a)?.succeeded);

  try {
    for (;;) {
      if (reason === undefined) {
        const ready = plan.steps
          .filter(isReady)
          .sort((a, b) => (prio.get(b.id) ?? 0) - (prio.get(a.id) ?? 0));
        for (const step of ready) {
          if (running.size >= deps.config.policies.concurrency) break;
          const p = runStep(
            deps,
            state,
            byId.get(step.id) ?? step,
            cancelSteps.signal,
            () => reason !== undefined,
            halt,
          )
            .catch((e: unknown) => {
              const err = toBackoutError(e);
              if (err.code === "LOCK_LOST") halt("lock-lost");
              else throw err;
            })
            .finally(() => {
              running.delete(step.id);
              wake.resolve();
            });
          running.set(step.id, p);
        }
      }
      if (running.size === 0) break;
      await wake.promise;
      rearm();
    }
  } finally {
    options.signal?.removeEventListener("abort", onUserAbort);
  }
  const allDone = [...state.steps.values()].every((s) => s.succeeded);
  if (reason === "deadline" && allDone) return undefined;
  return reason ?? (allDone ? undefined : "escalate");
}

/** One step: verification after a crash, then attempts with backoff until success or the budget is spent. */
async function runStep(
  deps: ExecuteDeps,
  state: ExecutionState,
  step: PlannedStep,
  cancel: AbortSignal,
  stopping: () => boolean,
  halt: (r: StopReason) => void,
): Promise<void> {
  const progress = state.steps.get(step.id);
  const component = deps.config.components.find((c) => c.name === step.component);
  const provider = deps.providers.get(step.kind);
  if (!progress) return;
  if (!component || !provider) {
    throw new BackoutError(
      "PLAN_INVALID",
      `step ${step.id} names a component or kind no longer in backout.yaml`,
      {
        where: { component: step.component, step: step.id },
        hint: "Restore the component in backout.yaml, or cancel this rollback and plan a new one.",
      },
    );
  }
  const p = asProvider<Record<string, unknown>>(provider);
  const ctx: ProviderContext = {
    component,
    baseDir: deps.config.baseDir,
    env: { ...childEnv(deps, deps.journal.rollbackId), BACKOUT_STEP_ID: step.id },
    signal: cancel,
    clock: deps.clock,
    redact: deps.redact,
  };
  const { journal, clock } = deps;

  if (progress.inFlight) {
    let reached = false;
    try {
      reached = await p.verify(ctx, step);
    } catch {
      reached = false;
    }
    await journal.append({ type: "step-verified", stepId: step.id, reached });
    progress.inFlight = false;
    if (reached) {
      await journal.append({
        type: "step-succeeded",
        stepId: step.id,
        attempt: progress.attempts,
        durationMs: 0,
        skipped: "already-at-target",
      });
      progress.succeeded = true;
      return;
    }
  }

  const policy = deps.config.policies.retry;
  for (;;) {
    const attempt = progress.attempts + 1;
    progress.attempts = attempt;
    progress.inFlight = true;
    await journal.append({ type: "step-started", stepId: step.id, attempt });
    const t0 = clock.now();
    try {
      const result = await runInsideRollback(journal.rollbackId, () => p.apply(ctx, step));
      progress.inFlight = false;
      progress.succeeded = true;
      await journal.append({
        type: "step-succeeded",
        stepId: step.id,
        attempt,
        durationMs: clock.now() - t0,
        ...(result.output ? { output: deps.redact(result.output).slice(-2000) } : {}),
      });
      return;
    } catch (e) {
      progress.inFlight = false;
      const err = toBackoutError(e, "PROVIDER_FAILED");
      if (err.code === "LOCK_LOST") throw err;
      if (cancel.aborted) {
        await journal.append({ type: "step-cancelled", stepId: step.id, attempt, reason: err.message });
        return;
      }
      progress.failures += 1;
      const willRetry = err.retryable && progress.failures < policy.maxAttempts && !stopping();
      const retryInMs = willRetry ? backoffMs(policy, attempt + 1) : undefined;
      await journal.append({
        type: "step-failed",
        stepId: step.id,
        attempt,
        durationMs: clock.now() - t0,
        error: { ...err.toJSON(), where: { ...err.where, component: step.component, step: step.id } },
        willRetry,
        ...(retryInMs === undefined ? {} : { retryInMs }),
      });
      if (!willRetry) {
        halt("escalate");
        return;
      }
      await clock.sleep(retryInMs ?? 0, cancel);
      if (cancel.aborted) return;
    }
  }
}

export type { Plan };
