import { toBackoutError } from "../errors.js";
import { isTerminal, type RollbackState } from "../model.js";
import { validate } from "./checks-phase.js";
import { childEnv, type ExecuteDeps, type ExecuteOptions, type RunOutcome } from "./deps.js";
import { readExecutionState, type ExecutionState } from "./execution-state.js";
import { decideGate } from "./gate.js";
import { runEmergencyProcedure, runEscalationHook } from "./hooks.js";
import { keepLease } from "./lease.js";
import { blindWarning, startMonitor } from "./monitor.js";
import { outboxHook } from "./notifications.js";
import { runSteps, stepControl } from "./run-steps.js";
import { endSurvivingProcesses } from "./step-guards.js";

export type { ExecuteDeps, ExecuteOptions, RunOutcome } from "./deps.js";

/**
 * Runs (or continues) one rollback whose lock this process holds: the data-loss gate, the step
 * DAG with retries, the live monitor, the time limit, validation, escalation and the emergency
 * procedure. Every decision is journalled before it takes effect, so a crash at any point can
 * be resumed, and the outcome says what happened.
 */
export async function executeRollback(deps: ExecuteDeps, options: ExecuteOptions): Promise<RunOutcome> {
  const { journal, clock, config } = deps;
  const id = journal.rollbackId;
  const fence = { epoch: deps.epoch, token: deps.holder.token };
  journal.setFence(fence);
  const state = readExecutionState(id, await deps.store.readJournal(id));
  const plan = state.plan;
  // Notifications go into the outbox with the events that cause them; never awaited here.
  journal.setOutbox(outboxHook(deps, plan));
  const warnings: string[] = [];
  const outcome = (s: RollbackState, reason?: string): RunOutcome => ({
    rollbackId: id,
    state: s,
    planHash: plan.hash,
    ...(reason === undefined ? {} : { reason }),
    ...(warnings.length > 0 ? { warnings } : {}),
  });

  const stop = new AbortController();
  const lease = keepLease(deps.store, config, fence, clock, stop.signal);
  try {
    if (state.startedAt === undefined) {
      // A saved plan runs only from the state it was computed from, checked under the lock.
      if (state.savedPlan !== undefined && deps.checkDrift) {
        const drift = await deps.checkDrift(plan).then(
          () => undefined,
          (e: unknown) => toBackoutError(e),
        );
        if (drift !== undefined) {
          await journal.append({ type: "finished", state: "cancelled", reason: drift.message });
          throw drift;
        }
      }
      // The gate comes before the start: waiting for a person does not eat into the time limit.
      if ((await decideGate(journal, plan, state, options)) === "wait") {
        const why = "the plan may lose data and has not been confirmed";
        stop.abort();
        await deps.store.parkLock(config.environment, fence);
        return outcome("awaiting-confirmation", why);
      }
      state.deadlineAt = clock.now() + config.policies.timeLimitMs;
      await journal.append({
        type: "started",
        holder: deps.holder,
        epoch: deps.epoch,
        deadlineAt: state.deadlineAt,
        ...(options.resumed && options.requestedBy !== undefined ? { by: options.requestedBy } : {}),
      });
    } else {
      const interrupted = [...state.steps].filter(([, s]) => s.inFlight).map(([sid]) => sid);
      await journal.append({
        type: "resumed",
        holder: deps.holder,
        epoch: deps.epoch,
        interruptedSteps: interrupted,
        ...(options.requestedBy === undefined ? {} : { by: options.requestedBy }),
      });
      // Before anything else (a verify, a new attempt, the emergency procedure): what the dead
      // holder's steps left running is ended, so nothing of it overlaps what this process does.
      for (const step of plan.steps) {
        const progress = state.steps.get(step.id);
        if (progress?.inFlight) await endSurvivingProcesses(journal, step, progress);
      }
    }
    const deadlineAt = state.deadlineAt ?? clock.now() + config.policies.timeLimitMs;

    const control = stepControl();
    if (clock.now() >= deadlineAt) control.halt("deadline");
    void clock.sleep(deadlineAt - clock.now(), stop.signal).then(() => {
      if (!stop.signal.aborted) control.halt("deadline");
    });
    void lease.lost.then(() => control.halt("lock-lost"));
    let monitorWhy: string | undefined;
    const monitorStop = new AbortController();
    const monitor = startMonitor(deps, monitorStop.signal, {
      abort: (why) => {
        monitorWhy = why;
        control.halt("monitor");
      },
      pause: (why) => {
        monitorWhy = why;
        control.halt("paused");
      },
      running: () => [...state.steps].filter(([, s]) => s.inFlight).map(([sid]) => sid),
    });
    const reason = state.escalation ? "escalate" : await runSteps(deps, options, state, control);
    monitorStop.abort();
    const blind = blindWarning(await monitor);
    if (blind !== undefined) warnings.push(blind);
    if (reason === "paused")
      return outcome("running", `${monitorWhy ?? "paused"}; resume with backout resume ${id}`);

    if (reason === "lock-lost") return takenOver(outcome);
    if (reason === "interrupted") return outcome("running", "interrupted; resume with backout resume");
    // The deadline wins over an escalation already under way: the emergency procedure must run.
    if (reason === "deadline" || control.deadlinePassed())
      return await timedOut(deps, state, deadlineAt, outcome);
    if (state.escalation)
      return await escalate(deps, state, state.escalation.reason, state.escalation.finalState, outcome);
    if (reason === "escalate" || reason === "monitor") {
      return await escalate(deps, state, monitorWhy ?? failedStepsReason(state), "escalated", outcome);
    }
    // Validation counts against the time limit too: the deadline cancels checks still running.
    const failures = await validate(deps, plan, control.cancel);
    if (control.deadlinePassed()) return await timedOut(deps, state, deadlineAt, outcome);
    if (failures.length > 0) {
      const why = `validation failed: ${failures.map((f) => `${f.name} (${f.status}: ${f.detail})`).join("; ")}`;
      return await escalate(deps, state, why, "failed", outcome);
    }
    await journal.append({ type: "finished", state: "succeeded" });
    return outcome("succeeded");
  } catch (e) {
    const err = toBackoutError(e);
    if (err.code === "LOCK_LOST") return takenOver(outcome);
    throw err;
  } finally {
    stop.abort();
    await lease.done;
    const current = await deps.store.getRollback(id);
    if (current && isTerminal(current.state)) {
      await deps.store.releaseLock(config.environment, id);
    }
  }
}

type Outcome = (s: RollbackState, reason?: string) => RunOutcome;

function failedStepsReason(state: ExecutionState): string {
  const failed = [...state.steps].filter(([, s]) => !s.succeeded && s.failures > 0).map(([sid]) => sid);
  return `step ${failed.join(", ")} failed after its attempts`;
}

function hookDeps(deps: ExecuteDeps) {
  return { journal: deps.journal, env: childEnv(deps), baseDir: deps.config.baseDir, redact: deps.redact };
}

/** Fenced out: another process resumed this rollback; it goes on there, not "failed" here. */
function takenOver(outcome: Outcome): RunOutcome {
  return {
    ...outcome("running", "another backout process took this rollback over; it continues there"),
    takenOver: true,
  };
}

/**
 * Circuit breaker 5: the emergency procedure runs at least once (each step until its outcome
 * is journalled, across restarts, with a stable idempotency key), then timed-out.
 */
async function timedOut(
  deps: ExecuteDeps,
  state: ExecutionState,
  deadlineAt: number,
  outcome: Outcome,
): Promise<RunOutcome> {
  if (!state.emergencyFinished) {
    let seq = state.emergencySeq;
    if (seq === undefined) {
      await deps.journal.append({ type: "deadline-passed", deadlineAt });
      const names = deps.config.policies.emergency.map((s) => s.name);
      seq = (await deps.journal.append({ type: "emergency-started", steps: names })).seq;
    }
    const { emergency } = deps.config.policies;
    await runEmergencyProcedure(hookDeps(deps), emergency, deps.journal.rollbackId, seq, state.emergencyDone);
  }
  const why = `time limit of ${Math.round(deps.config.policies.timeLimitMs / 1000)} s passed`;
  await deps.journal.append({ type: "finished", state: "timed-out", reason: why });
  return outcome("timed-out", why);
}

/**
 * Circuit breaker 3: one escalation (event, hook, notification), then the final state. The
 * hook runs at least once: until its outcome is journalled, a resume runs it again with the
 * same idempotency key (rollback id + the seq of the "escalated" event).
 */
async function escalate(
  deps: ExecuteDeps,
  state: ExecutionState,
  why: string,
  final: "escalated" | "failed",
  outcome: Outcome,
): Promise<RunOutcome> {
  const id = deps.journal.rollbackId;
  let recorded = state.escalation;
  if (!recorded) {
    const after = readExecutionState(id, await deps.store.readJournal(id));
    const done = [...after.steps].filter(([, s]) => s.succeeded).map(([sid]) => sid);
    const notDone = [...after.steps].filter(([, s]) => !s.succeeded).map(([sid]) => sid);
    const failed = [...after.steps].filter(([, s]) => !s.succeeded && s.failures > 0).map(([sid]) => sid);
    const event = { reason: why, failedSteps: failed, done, notDone, finalState: final };
    const entry = await deps.journal.append({ type: "escalated", ...event });
    recorded = { seq: entry.seq, ...event };
  }
  if (!state.escalationHookRan) {
    const summary = {
      rollbackId: id,
      environment: deps.config.environment,
      reason: recorded.reason,
      finalState: recorded.finalState,
      failedSteps: recorded.failedSteps,
      done: recorded.done,
      notDone: recorded.notDone,
      idempotencyKey: `${id}:${recorded.seq}`,
    };
    await runEscalationHook(hookDeps(deps), deps.config.policies.escalation, summary);
  }
  await deps.journal.append({ type: "finished", state: recorded.finalState, reason: recorded.reason });
  return outcome(recorded.finalState, recorded.reason);
}
