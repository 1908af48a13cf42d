import { defaultTarget } from "../core/checkpoint-targets.js";
import type { Engine } from "../core/engine.js";
import { findInterrupted } from "../core/rollbacks.js";
import { keptStatus } from "../providers/postgres/strategies/restore/copy/kept-status.js";
import { undeliveredNotifications } from "./undelivered.js";

/** What `backout status --json` prints and `GET /api/v1/status` answers: one shape for both. */
export async function statusData(engine: Engine) {
  const env = engine.config.environment;
  const [lock, queue, interrupted, latest, lastGood, undelivered] = await Promise.all([
    engine.store.getLock(env),
    engine.store.listQueue(env),
    findInterrupted(engine),
    engine.store.listRollbacks({ limit: 1 }),
    defaultTarget(engine.store).then((d) => d.target),
    undeliveredNotifications(engine.store),
  ]);
  const kept = await keptStatus(engine.config.components, engine.config.baseDir, engine.redact);
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
    keptCopies: kept,
  };
}
