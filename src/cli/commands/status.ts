import { openEngine, type GlobalOptions } from "../context.js";
import { out, outJson } from "../output.js";
import { keptCopies, statusData } from "../status-data.js";
import { undeliveredLines } from "../undelivered.js";

export default async function status(opts: GlobalOptions): Promise<number> {
  const engine = await openEngine(opts, { warnInterrupted: false, readOnly: true });
  try {
    const kept = await keptCopies(engine);
    const data = await statusData(engine, kept);
    const { environment: env, lock, queue, interrupted, lastGoodCheckpoint: lastGood } = data;
    const last = data.latest;
    const undelivered = data.undeliveredNotifications;
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
      out(`interrupted: ${i.id} (${i.why}); resume with \`backout resume ${i.id}\``);
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
    for (const k of kept) out(k.text);
    return 0;
  } finally {
    await engine.close();
  }
}
