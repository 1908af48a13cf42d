import { defaultTarget } from "../core/checkpoint-targets.js";
import type { Engine } from "../core/engine.js";
import type { CapabilityResult } from "../core/provider.js";
import { findInterrupted } from "../core/rollbacks.js";
import { undeliveredNotifications } from "./undelivered.js";

/** What the components' providers keep (restore-and-replay's pre-rollback copies), one per component. */
export async function keptCopies(engine: Engine): Promise<CapabilityResult[]> {
  const out: CapabilityResult[] = [];
  for (const c of engine.config.components) {
    const kept = await engine.provider(c).archive?.(engine.context(c), { action: "kept" });
    if (kept) out.push(kept);
  }
  return out;
}

/**
 * What `backout status --json` prints and `GET /api/v1/status` answers: one shape for both.
 * `kept` lets the text output reuse the copies it already asked for (their lines are not in the JSON).
 */
export async function statusData(engine: Engine, kept?: CapabilityResult[]) {
  const env = engine.config.environment;
  const [lock, queue, interrupted, latest, lastGood, undelivered, copies] = await Promise.all([
    engine.store.getLock(env),
    engine.store.listQueue(env),
    findInterrupted(engine),
    engine.store.listRollbacks({ limit: 1 }),
    defaultTarget(engine.store).then((d) => d.target),
    undeliveredNotifications(engine.store),
    kept ?? keptCopies(engine),
  ]);
  const last = latest[0];
  return {
    environment: env,
    lock: lock ?? null,
    queue: queue.map((q) => ({ rollbackId: q.rollbackId, pid: q.holder.pid, host: q.holder.host })),
    interrupted: interrupted.map((i) => ({ id: i.record.id, state: i.record.state, why: i.why })),
    latest: last
      ? { id: last.id, state: last.state, createdAt: last.createdAt, planHash: last.planHash }
      : null,
    lastGoodCheckpoint: lastGood
      ? { id: lastGood.id, name: lastGood.name, createdAt: lastGood.createdAt }
      : null,
    undeliveredNotifications: undelivered,
    keptCopies: copies.map((k) => k.json),
  };
}
