import { BackoutError } from "../../core/errors.js";
import { readPlanFile } from "../../core/plan-file.js";
import { runRollback, runSavedPlan } from "../../core/rollbacks.js";
import { cliIdentity, openEngine, type GlobalOptions } from "../context.js";
import { runSession } from "../run-session.js";
import { planRequest, type ScopeOptions } from "./plan.js";

export default async function run(
  opts: GlobalOptions & ScopeOptions & { wait: boolean; confirm?: string; plan?: string },
): Promise<number> {
  const file = opts.plan;
  if (file !== undefined && (opts.to !== undefined || opts.only !== undefined || opts.except !== undefined)) {
    throw new BackoutError(
      "USAGE",
      "--plan runs a saved plan as it is: --to, --only and --except cannot change it",
      {
        hint: "Leave them out, or make a new plan with them (`backout plan --to CP --only a --out FILE`).",
      },
    );
  }
  // A damaged or edited file is refused before the environment is even opened.
  const saved = file === undefined ? undefined : await readPlanFile(file);
  const engine = await openEngine(opts);
  try {
    return await runSession(
      {
        json: Boolean(opts.json),
        wait: opts.wait,
        maxAttempts: engine.config.policies.retry.maxAttempts,
        by: cliIdentity(opts),
        ...(opts.confirm ? { confirm: opts.confirm } : {}),
      },
      (control) =>
        saved !== undefined && file !== undefined
          ? runSavedPlan(engine, saved, file, control)
          : runRollback(engine, planRequest(opts), control),
    );
  } finally {
    await engine.close();
  }
}
