import { BackoutError } from "../../core/errors.js";
import { findInterrupted, resumeRollback } from "../../core/rollbacks.js";
import { cliIdentity, openEngine, type GlobalOptions } from "../context.js";
import { runSession } from "../run-session.js";

export default async function resume(
  opts: GlobalOptions & { wait: boolean; confirm?: string },
  [id]: string[],
): Promise<number> {
  const engine = await openEngine(opts, { warnInterrupted: false });
  try {
    let target = id;
    if (target === undefined) {
      const interrupted = await findInterrupted(engine);
      if (interrupted.length !== 1) {
        throw new BackoutError(
          "USAGE",
          interrupted.length === 0
            ? "no interrupted rollback to resume"
            : `${interrupted.length} interrupted rollbacks: ${interrupted.map((r) => r.record.id).join(", ")}`,
          { hint: "Name the rollback: `backout resume ID` (see `backout status`)." },
        );
      }
      target = interrupted[0]?.record.id ?? "";
    }
    const rollbackId = target;
    return await runSession(
      {
        json: Boolean(opts.json),
        wait: opts.wait,
        maxAttempts: engine.config.policies.retry.maxAttempts,
        by: cliIdentity(opts),
        history: await engine.store.readJournal(rollbackId),
        ...(opts.confirm ? { confirm: opts.confirm } : {}),
      },
      (control) => resumeRollback(engine, rollbackId, control),
    );
  } finally {
    await engine.close();
  }
}
