import { defaultTarget } from "../../core/checkpoint-targets.js";
import { findInterrupted } from "../../core/rollbacks.js";
import { keptStatus, keptStatusLines } from "../../providers/postgres/restore/kept-status.js";
import { openEngine, type GlobalOptions } from "../context.js";
import { out, outJson, redactor } from "../output.js";
import { undeliveredLines, undeliveredNotifications } from "../undelivered.js";

export default async function status(opts: GlobalOptions): Promise<number> {
  const engine = await openEngine(opts, { warnInterrupted: false, readOnly: true });
  try {
    const env = engine.config.environment;
    const [lock, queue, interrupted, latest, lastGood, undelivered] = await Promise.all([
      engine.store.getLock(env),
      engine.store.listQueue(env),
      findInterrupted(engine),
      engine.store.listRollbacks({ limit: 1 }),
      defaultTarget(engine.store).then((d) => d.target),
      undeliveredNotifications(engine.store),
    ]);
    const kept = await keptStatus(engine.config.components, engine.config.baseDir, (t) => redactor.redact(t));
    const last = latest[0];
    const data = {
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
    if (opts.json) {
      outJson(data);
      return 0;
    }
    out(`environment: ${env}`);
    if (!lock) out("lock: free");
    else if (!lock.holder) out(`lock: held by rollback ${lock.rollbackId} (awaiting confirmation)`);
    else
      out(
        `lock: held by rollback ${lock.rollbackId} (pid ${lock.holder.pid} on ${lock.holder.host}, epoch ${lock.epoch})`,
      );
    out(`queue: ${queue.length === 0 ? "empty" : queue.map((q) => q.rollbackId).join(" ← ")}`);
    for (const i of interrupted)
      out(`interrupted: ${i.record.id} (${i.why}); resume with \`backout resume ${i.record.id}\``);
    out(
      last
        ? `latest rollback: ${last.id} ${last.state} (${new Date(last.createdAt).toISOString()})`
        : "latest rollback: none",
    );
    out(
      lastGood
        ? `default rollback target: ${lastGood.name} (${lastGood.id}, ${new Date(lastGood.createdAt).toISOString()})`
        : "default rollback target: none (take one with `backout checkpoint --good`)",
    );
    for (const line of undeliveredLines(undelivered)) out(line);
    for (const line of keptStatusLines(kept)) out(line);
    return 0;
  } finally {
    await engine.store.close();
  }
}
