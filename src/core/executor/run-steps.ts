import { setMaxListeners } from "node:events";
import { BackoutError, toBackoutError } from "../errors.js";
import type { ComponentConfig, PlannedStep } from "../model.js";
import { runInsideRollback } from "../nesting.js";
import { plannedComponents, priorities, redactValueWith } from "../planner/index.js";
import { asProvider } from "../provider.js";
import { providerContext } from "../provider-context.js";
import { childEnv, type ExecuteDeps, type ExecuteOptions, type StopReason } from "./deps.js";
import { exhausted, type ExecutionState, type StepProgress } from "./execution-state.js";
import { applyAnnounced } from "./step-guards.js";
import { backoffMs } from "./retry.js";

export interface StepControl {
  /** Stops dispatching; a deadline, a lost lock, a failed store or Ctrl-C also cancel running steps. */
  halt: (reason: StopReason) => void;
  /** Stops dispatching only: running steps finish (a first Ctrl-C, SIGTERM). */
  drain: (reason: StopReason) => void;
  /** Aborted on any halt or drain: wakes steps waiting to retry, which then do not retry. */
  stopped: AbortSignal;
  reason: () => StopReason | undefined;
  /** True once the time limit passed, even if dispatching had stopped for another reason first. */
  deadlinePassed: () => boolean;
  /** Aborted when running steps must stop. */
  cancel: AbortSignal;
  /** Resolves whenever the dispatcher should look again (a halt from outside). */
  onHalt: (listener: () => void) => void;
}

export function stepControl(): StepControl {
  const cancel = new AbortController();
  // Every running step's child process listens on this one signal; hundreds may run at once.
  setMaxListeners(10_000, cancel.signal);
  const stopped = new AbortController();
  setMaxListeners(10_000, stopped.signal);
  const listeners: (() => void)[] = [];
  let reason: StopReason | undefined;
  let deadline = false;
  const stop = (r: StopReason) => {
    reason ??= r;
    if (r === "deadline") deadline = true;
    stopped.abort();
    for (const l of listeners) l();
  };
  return {
    halt: (r) => {
      if (r === "deadline" || r === "lock-lost" || r === "interrupted" || r === "store-failed")
        cancel.abort();
      stop(r);
    },
    drain: stop,
    stopped: stopped.signal,
    reason: () => reason,
    deadlinePassed: () => deadline,
    cancel: cancel.signal,
    onHalt: (l) => listeners.push(l),
  };
}

/**
 * Dispatches ready steps by critical-path priority, up to the concurrency limit, until every
 * step succeeded or something halts dispatching. Returns the halt reason, if any.
 */
export async function runSteps(
  deps: ExecuteDeps,
  options: ExecuteOptions,
  state: ExecutionState,
  control: StepControl,
): Promise<StopReason | undefined> {
  const { plan } = state;
  // The components as planned (PLAN_STALE when backout.yaml changed since): steps never run with
  // settings nobody reviewed.
  const components = plannedComponents(
    plan,
    deps.config,
    redactValueWith(deps.redact),
    deps.journal.rollbackId,
  );
  const prio = priorities(plan.steps);
  const running = new Map<string, Promise<void>>();
  let wake: () => void = () => {};
  control.onHalt(() => wake());
  const onUserAbort = () => control.halt("interrupted");
  const onDrain = () => control.drain("interrupted");
  options.signal?.addEventListener("abort", onUserAbort, { once: true });
  options.drain?.addEventListener("abort", onDrain, { once: true });
  if (options.signal?.aborted) control.halt("interrupted");
  if (options.drain?.aborted) control.drain("interrupted");
  // The first failure that is not a step's own (the store failing, the disk full): every running
  // step is cancelled and waited for, then it is thrown, never left as an unhandled rejection.
  let fatal: BackoutError | undefined;

  const isReady = (s: PlannedStep) =>
    !state.steps.get(s.id)?.succeeded &&
    !running.has(s.id) &&
    s.after.every((a) => state.steps.get(a)?.succeeded);

  try {
    for (;;) {
      const woken = new Promise<void>((r) => (wake = r));
      if (control.reason() === undefined) {
        const ready = plan.steps
          .filter(isReady)
          .sort((a, b) => (prio.get(b.id) ?? 0) - (prio.get(a.id) ?? 0));
        for (const step of ready) {
          if (running.size >= deps.config.policies.concurrency) break;
          const p = runStep(deps, state, step, control, components.get(step.component))
            .catch((e: unknown) => {
              const err = toBackoutError(e);
              if (err.code === "LOCK_LOST") return control.halt("lock-lost");
              fatal ??= err;
              control.halt("store-failed");
            })
            .finally(() => {
              running.delete(step.id);
              wake();
            });
          running.set(step.id, p);
        }
      }
      if (running.size === 0) break;
      await woken;
    }
  } finally {
    options.signal?.removeEventListener("abort", onUserAbort);
    options.drain?.removeEventListener("abort", onDrain);
  }
  if (fatal !== undefined) throw fatal;
  const allDone = [...state.steps.values()].every((s) => s.succeeded);
  const reason = control.reason();
  if (allDone && (reason === "deadline" || reason === "monitor" || reason === "paused")) return undefined;
  return reason ?? (allDone ? undefined : "escalate");
}

/**
 * An attempt cut off by a crash or a cancel whose target is not reached ran (maybe to its end):
 * it spends one attempt of the budget, recorded as a failure, so that no restart ever grants a
 * (maxAttempts+1)th application. A `command` step acts only through its program, journalled
 * before it may run: cut off before that, nothing ran, and the attempt is made again under the
 * same number. False when the budget is spent (the rollback escalates).
 */
async function settleCutOffAttempt(
  deps: ExecuteDeps,
  step: PlannedStep,
  progress: StepProgress,
  control: StepControl,
): Promise<boolean> {
  progress.cutOff = false;
  if (step.kind === "command" && !progress.announced) {
    progress.attempts -= 1;
    return true;
  }
  progress.failures += 1;
  const willRetry = progress.failures < deps.config.policies.retry.maxAttempts;
  const error = new BackoutError(
    "ROLLBACK_INTERRUPTED",
    `attempt ${progress.attempts} was cut off (backout stopped mid-step) and the target is not reached`,
    {
      where: { component: step.component, step: step.id },
      retryable: true,
      hint: "Nothing to do: it counts as one attempt; the next runs while attempts are left.",
    },
  );
  await deps.journal.append({
    type: "step-failed",
    stepId: step.id,
    attempt: progress.attempts,
    durationMs: 0,
    error: error.toJSON(),
    willRetry,
  });
  if (!willRetry) control.halt("escalate");
  return willRetry;
}

/** One step: verification after a crash, then attempts with backoff until success or the budget is spent. */
async function runStep(
  deps: ExecuteDeps,
  state: ExecutionState,
  step: PlannedStep,
  control: StepControl,
  component: ComponentConfig | undefined,
): Promise<void> {
  const progress = state.steps.get(step.id);
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
  const ctx = providerContext({
    config: deps.config,
    component,
    redactor: deps.redactor,
    clock: deps.clock,
    env: childEnv(deps),
    signal: control.cancel,
    rollbackId: deps.journal.rollbackId,
    stepId: step.id,
  });
  const { journal, clock } = deps;
  const policy = deps.config.policies.retry;

  // Spent across any number of restarts: never a (maxAttempts+1)th attempt.
  if (exhausted(progress, policy.maxAttempts)) {
    control.halt("escalate");
    return;
  }
  // A step whose target is reached does nothing (after a crash, or because it already was).
  let reached = false;
  try {
    reached = await p.verify(ctx, step);
  } catch {
    reached = false;
  }
  if (progress.inFlight) await journal.append({ type: "step-verified", stepId: step.id, reached });
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
  if (progress.cutOff && !(await settleCutOffAttempt(deps, step, progress, control))) return;
  if (control.reason() !== undefined) return;

  for (;;) {
    const attempt = progress.attempts + 1;
    progress.attempts = attempt;
    progress.inFlight = true;
    progress.cutOff = true;
    progress.announced = false;
    await journal.append({ type: "step-started", stepId: step.id, attempt });
    const t0 = clock.now();
    try {
      const result = await runInsideRollback(journal.rollbackId, () =>
        applyAnnounced(journal, step, attempt, progress, () => p.apply(ctx, step)),
      );
      progress.inFlight = false;
      progress.cutOff = false;
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
      const err = toBackoutError(e, "PROVIDER_FAILED");
      // The journal itself failed (the disk is full, the lock was lost): the step's outcome is unknown.
      if (err.code === "LOCK_LOST" || err.code === "STORE_FAILED" || err.code === "STORE_DAMAGED") throw err;
      progress.inFlight = false;
      if (control.cancel.aborted) {
        await journal.append({ type: "step-cancelled", stepId: step.id, attempt, reason: err.message });
        return;
      }
      progress.failures += 1;
      progress.cutOff = false;
      const willRetry =
        err.retryable && progress.failures < policy.maxAttempts && control.reason() === undefined;
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
        control.halt("escalate");
        return;
      }
      await clock.sleep(retryInMs ?? 0, control.stopped);
      if (control.reason() !== undefined) return;
    }
  }
}
