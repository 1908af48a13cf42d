import { openEngine, type GlobalOptions } from "../context.js";
import { out, outJson, table } from "../output.js";

export default async function history(opts: GlobalOptions & { limit: string }): Promise<number> {
  const engine = await openEngine(opts, { readOnly: true });
  try {
    const list = await engine.store.listRollbacks({ limit: Number(opts.limit) || 20 });
    if (opts.json) {
      outJson(
        list.map((r) => ({
          id: r.id,
          state: r.state,
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
          checkpointId: r.checkpointId,
          planHash: r.planHash,
          steps: r.plan.steps.length,
        })),
      );
    } else if (list.length === 0) out("no rollbacks yet");
    else
      out(
        table(
          ["id", "state", "created", "checkpoint", "plan", "steps"],
          list.map((r) => [
            r.id,
            r.state,
            new Date(r.createdAt).toISOString(),
            r.plan.checkpoint.name,
            r.planHash.slice(0, 12),
            String(r.plan.steps.length),
          ]),
        ),
      );
    return 0;
  } finally {
    await engine.close();
  }
}
