import { runRollback } from "../../core/rollbacks.js";
import { openEngine, type GlobalOptions } from "../context.js";
import { runSession } from "../run-session.js";
import { planRequest, type ScopeOptions } from "./plan.js";

export default async function run(
  opts: GlobalOptions & ScopeOptions & { wait: boolean; confirm?: string },
): Promise<number> {
  const engine = await openEngine(opts);
  try {
    return await runSession(
      {
        json: Boolean(opts.json),
        wait: opts.wait,
        maxAttempts: engine.config.policies.retry.maxAttempts,
        ...(opts.confirm ? { confirm: opts.confirm } : {}),
      },
      (control) => runRollback(engine, planRequest(opts), control),
    );
  } finally {
    await engine.store.close();
  }
}
