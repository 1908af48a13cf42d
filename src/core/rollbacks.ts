import { resolve } from "node:path";
import type { RollbackRecord } from "../store/store.js";
import type { Engine, PlanRequest } from "./engine.js";
import { BackoutError, toBackoutError } from "./errors.js";
import { executeRollback, type RunOutcome } from "./executor/execute.js";
import { assertConfirmationMatches, type GateOptions } from "./executor/gate.js";
import { afterJournalWrite, beforeJournalWrite } from "./failpoints.js";
import { assertFourEyes, fourEyesOn, selfApproval } from "./four-eyes.js";
import { isHolderAliveHere, isHolderGone } from "./holder.js";
import { newId } from "./ids.js";
import { JournalWriter, type JournalListener } from "./journal-writer.js";
import type { SavedPlanOrigin } from "./journal-events.js";
import { isTerminal, type Plan } from "./model.js";
import { assertNotInsideStep } from "./nesting.js";
import type { SavedPlan } from "./plan-file.js";
import { plannedComponents } from "./planner/index.js";
import { assertNotRunningHere, claimHere } from "./running-here.js";
import { assertNoDrift, assertSavedPlanApplies } from "./saved-plan.js";
import { whileStoreBusy } from "./store-busy.js";
import { holderFacts, waitForLock, type WaitOptions } from "./wait-for-lock.js";

export type { RunOutcome };

export interface RunControl extends GateOptions {
  wait?: boolean;
  listeners?: JournalListener[];
  onWaiting?: WaitOptions["onWaiting"];
  /** Called once the rollback exists (before waiting for the lock), with its id and plan. */
  onCreated?: (rollbackId: string, plan: Plan) => void;
  signal?: AbortSignal;
  /** A first Ctrl-C or SIGTERM: stop dispatching, let running steps finish (and stop waiting in the queue). */
  drain?: AbortSignal;
  requestedBy?: string;
  /** The new rollback's id, reserved by the caller beforehand (an alert decision names it); else a fresh one. */
  rollbackId?: string;
}

/** Plans and runs a rollback: create (queued), wait for the lock, execute. */
export async function runRollback(
  engine: Engine,
  request: PlanRequest,
  control: RunControl = {},
): Promise<RunOutcome> {
  await assertNotInsideStep(engine.store, engine.env);
  const plan = await engine.plan(request);
  return startRollback(engine, plan, control);
}

/**
 * Runs a saved plan (`run --plan FILE`) exactly: refused before anything is recorded when it is
 * for another environment or stale; refused under the lock, before the first step, when a
 * component is no longer in the plan's starting state (PLAN_DRIFTED).
 */
export async function runSavedPlan(
  engine: Engine,
  saved: SavedPlan,
  file: string,
  control: RunControl = {},
): Promise<RunOutcome> {
  await assertNotInsideStep(engine.store, engine.env);
  await assertSavedPlanApplies(engine, saved, file);
  return startRollback(engine, saved.plan, control, { file: resolve(file), savedAt: saved.savedAt });
}

async function startRollback(
  engine: Engine,
  plan: Plan,
  control: RunControl,
  savedPlan?: SavedPlanOrigin,
): Promise<RunOutcome> {
  assertConfirmationMatches(plan, control.confirmHash);
  if (fourEyesOn(engine) && plan.dataLoss) {
    if (control.confirmHash !== undefined)
      throw selfApproval("a data-loss plan cannot be confirmed by who starts the rollback");
    control = withoutPrompt(control);
  }
  const now = engine.clock.now();
  const id = control.rollbackId ?? newId("r", now);
  const write = beforeJournalWrite("queued");
  const create = () =>
    engine.store.createRollback(
      {
        id,
        environment: engine.config.environment,
        checkpointId: plan.checkpoint.id,
        planHash: plan.hash,
        plan,
        createdAt: now,
      },
      {
        type: "queued",
        plan,
        requestedBy: control.requestedBy ?? `${engine.holder.host}:${engine.holder.pid}`,
        ...(savedPlan ? { savedPlan } : {}),
      },
      engine.holder,
      engine.config.policies.lock.leaseMs,
    );
  const release = claimHere(id);
  try {
    await (control.wait === false ? create() : whileStoreBusy(create, busyWait(engine, control, now)));
    afterJournalWrite(write);
    control.onCreated?.(id, plan);
    return await acquireAndExecute(engine, id, false, control);
  } finally {
    release();
  }
}

/** Continues a rollback after a crash, an interruption or an approval. */
export async function resumeRollback(
  engine: Engine,
  id: string,
  control: RunControl = {},
): Promise<RunOutcome> {
  await assertNotInsideStep(engine.store, engine.env);
  const record = await requireRollback(engine, id);
  if (isTerminal(record.state)) {
    throw new BackoutError("ROLLBACK_NOT_RESUMABLE", `rollback ${id} has already ended (${record.state})`, {
      hint: `Read what happened with \`backout report ${id}\`; plan a new rollback if needed.`,
    });
  }
  assertPlanCurrent(engine, record);
  assertConfirmationMatches(record.plan, control.confirmHash, id);
  if (fourEyesOn(engine) && record.plan.dataLoss) {
    const by = control.confirmedBy ?? control.requestedBy;
    if (control.confirmHash !== undefined) {
      if (by === undefined) throw selfApproval(`rollback ${id} needs a named approver`);
      await assertFourEyes(engine, id, by);
    }
    control = withoutPrompt(control);
  }
  // Before any await: two resumes of one rollback in this process cannot both pass.
  const release = claimHere(id);
  try {
    return await resumeClaimed(engine, record, control);
  } finally {
    release();
  }
}

async function resumeClaimed(
  engine: Engine,
  record: RollbackRecord,
  control: RunControl,
): Promise<RunOutcome> {
  const id = record.id;
  await assertNotRunningElsewhere(engine, record);
  const join = () =>
    engine.store.joinQueue(
      engine.config.environment,
      id,
      engine.holder,
      engine.clock.now(),
      engine.config.policies.lock.leaseMs,
    );
  await (control.wait === false
    ? join()
    : whileStoreBusy(join, busyWait(engine, control, engine.clock.now())));
  control.onCreated?.(id, record.plan);
  return acquireAndExecute(engine, id, true, control);
}

async function acquireAndExecute(
  engine: Engine,
  id: string,
  resumed: boolean,
  control: RunControl,
): Promise<RunOutcome> {
  const journal = new JournalWriter(engine.store, engine.clock, engine.redactor, id, control.listeners ?? []);
  let epoch: number;
  try {
    ({ epoch } = await waitForLock(engine.store, engine.config, engine.clock, engine.holder, id, {
      wait: control.wait ?? true,
      ...(control.onWaiting ? { onWaiting: control.onWaiting } : {}),
      ...(stopWaiting(control) ?? {}),
    }));
  } catch (e) {
    const err = toBackoutError(e);
    if (!resumed && withdrawsFresh(err)) {
      // A fresh rollback that never started is withdrawn, so the queue does not keep it.
      await engine.store.leaveQueue(id);
      await journal.append({ type: "finished", state: "cancelled", reason: err.message });
    }
    throw err;
  }
  return executeRollback(
    {
      config: engine.config,
      store: engine.store,
      providers: engine.providers,
      clock: engine.clock,
      redact: engine.redact,
      redactor: engine.redactor,
      journal,
      holder: engine.holder,
      epoch,
      env: engine.env,
      checkDrift: (plan) => assertNoDrift(engine, plan),
      ...(engine.checks ? { checks: engine.checks } : {}),
      ...(engine.notify ? { notify: engine.notify } : {}),
    },
    { ...control, resumed },
  );
}

/** A fresh rollback that fails so was withdrawn (finished cancelled) before it took the lock. */
export function withdrawsFresh(err: BackoutError): boolean {
  return err.code === "LOCK_BUSY" || err.code === "ROLLBACK_INTERRUPTED";
}

export async function requireRollback(engine: Engine, id: string): Promise<RollbackRecord> {
  const record = await engine.store.getRollback(id);
  if (!record) {
    throw new BackoutError("ROLLBACK_NOT_FOUND", `no rollback with id "${id}"`, {
      hint: "List them with `backout history`.",
    });
  }
  return record;
}

async function assertNotRunningElsewhere(engine: Engine, record: RollbackRecord): Promise<void> {
  const lock = await engine.store.getLock(engine.config.environment);
  if (lock?.rollbackId !== record.id || !lock.holder) return;
  const now = engine.clock.now();
  const expired = lock.leaseExpiresAt !== undefined && lock.leaseExpiresAt < now;
  // Held by this process but not running here (claimHere/assertNotRunningHere checked that):
  // a rollback this process paused or was interrupted in; taking it up again is safe.
  if (lock.holder.token === engine.holder.token) return;
  // A stalled holder on this host (SIGSTOP) is alive: taking over would run its steps twice.
  const alive = isHolderAliveHere(lock.holder) || (!expired && !isHolderGone(lock.holder));
  if (alive) {
    throw new BackoutError(
      "LOCK_BUSY",
      `rollback ${record.id} is still running (${holderFacts(lock, now)} on ${lock.holder.host})`,
      {
        hint: expired
          ? `It is stalled, not gone. To take over: end it (kill ${lock.holder.pid}), then \`backout resume ${record.id}\`.`
          : "It needs no resume. Follow it with `backout status`.",
      },
    );
  }
}

/** A plan runs with the configuration it was made with, or not at all (PLAN_STALE names the component). */
function assertPlanCurrent(engine: Engine, record: RollbackRecord): void {
  plannedComponents(record.plan, engine.config, (v) => engine.redactor.redactValue(v), record.id);
}

/** Records that a person confirmed this exact plan; the caller then resumes the rollback. */
export async function approveRollback(
  engine: Engine,
  id: string,
  planHash: string,
  by: string,
): Promise<void> {
  await assertNotInsideStep(engine.store, engine.env);
  const record = await requireRollback(engine, id);
  if (record.state !== "awaiting-confirmation") {
    throw new BackoutError(
      "ROLLBACK_NOT_RESUMABLE",
      `rollback ${id} is not waiting for confirmation (it is ${record.state})`,
      {
        hint: "Only a rollback in state awaiting-confirmation can be approved; see `backout status`.",
      },
    );
  }
  assertPlanCurrent(engine, record);
  assertConfirmationMatches(record.plan, planHash, id);
  await assertFourEyes(engine, id, by);
  const journal = new JournalWriter(engine.store, engine.clock, engine.redactor, id);
  await journal.append({ type: "gate-approved", planHash: record.plan.hash, by, via: "approve" });
}

/** Ends a rollback that is queued, waiting for confirmation, or interrupted, and frees the lock. */
export async function cancelRollback(engine: Engine, id: string, by: string): Promise<void> {
  await assertNotInsideStep(engine.store, engine.env);
  const record = await requireRollback(engine, id);
  if (isTerminal(record.state)) {
    throw new BackoutError(
      "ROLLBACK_NOT_RESUMABLE",
      `rollback ${id} has already ended (${record.state})`,
      {},
    );
  }
  assertNotRunningHere(id);
  await assertNotRunningElsewhere(engine, record);
  const journal = new JournalWriter(engine.store, engine.clock, engine.redactor, id);
  await journal.append({ type: "finished", state: "cancelled", reason: `cancelled by ${by}` });
  await engine.store.leaveQueue(id);
  await engine.store.releaseLock(engine.config.environment, id);
}

export interface InterruptedRollback {
  record: RollbackRecord;
  why: string;
}

/** Rollbacks that are neither ended nor in the hands of a live process: they need resume or cancel. */
export async function findInterrupted(engine: Engine): Promise<InterruptedRollback[]> {
  const open = await engine.store.listRollbacks({ states: ["queued", "running"], limit: 50 });
  if (open.length === 0) return [];
  const lock = await engine.store.getLock(engine.config.environment);
  const queue = await engine.store.listQueue(engine.config.environment);
  const now = engine.clock.now();
  const out: InterruptedRollback[] = [];
  for (const r of open) {
    if (lock?.rollbackId === r.id) {
      const gone =
        !lock.holder ||
        (!isHolderAliveHere(lock.holder) &&
          ((lock.leaseExpiresAt !== undefined && lock.leaseExpiresAt < now) || isHolderGone(lock.holder)));
      if (gone) out.push({ record: r, why: `its process is gone (${holderFacts(lock, now)})` });
      continue;
    }
    const entry = queue.find((q) => q.rollbackId === r.id);
    const waiting = entry !== undefined && isHolderAliveHere(entry.holder);
    if (!waiting && (!entry || entry.heartbeatExpiresAt < now || isHolderGone(entry.holder))) {
      out.push({
        record: r,
        why: r.state === "queued" ? "it was queued by a process that is gone" : "it holds no lock",
      });
    }
  }
  return out;
}

/** Waiting in the queue ends on either signal: nothing runs yet, so there is nothing to let finish. */
/** Waiting on a store another process keeps locked counts against the lock's wait limit. */
function busyWait(engine: Engine, control: RunControl, startedAt: number) {
  return {
    clock: engine.clock,
    startedAt,
    limitMs: engine.config.policies.lock.waitTimeoutMs,
    ...(control.onWaiting
      ? { onBusy: (note: string) => control.onWaiting?.({ position: -1, lock: undefined, note }) }
      : {}),
    ...(stopWaiting(control) ?? {}),
  };
}

/** Under four-eyes the requester is not asked to confirm: the rollback waits for an approver. */
function withoutPrompt(control: RunControl): RunControl {
  const { prompt: _prompt, ...rest } = control;
  return rest;
}

function stopWaiting(control: RunControl): { signal: AbortSignal } | undefined {
  const signals = [control.signal, control.drain].filter((s): s is AbortSignal => s !== undefined);
  if (signals.length === 0) return undefined;
  return { signal: signals.length === 1 && signals[0] ? signals[0] : AbortSignal.any(signals) };
}
