import { createInterface } from "node:readline/promises";
import { BackoutError } from "../../core/errors.js";
import { approveRollback, requireRollback, resumeRollback } from "../../core/rollbacks.js";
import { cliIdentity, openEngine, type GlobalOptions } from "../context.js";
import { err, out } from "../output.js";
import { planText } from "../plan-text.js";
import { terminalWidth } from "../text-wrap.js";
import { runSession } from "../run-session.js";

export default async function approve(
  opts: GlobalOptions & { planHash?: string; resume: boolean },
  [id]: string[],
): Promise<number> {
  const engine = await openEngine(opts, { warnInterrupted: false });
  try {
    const rollbackId = id ?? "";
    const record = await requireRollback(engine, rollbackId);
    let hash = opts.planHash;
    if (hash === undefined) {
      if (!process.stdin.isTTY || opts.json) {
        throw new BackoutError("USAGE", "approving without a terminal needs the plan hash", {
          hint: `Review the plan (\`backout show ${rollbackId}\`) and pass --plan-hash ${record.planHash.slice(0, 12)}.`,
        });
      }
      err(planText(record.plan, { width: terminalWidth(process.stderr) }));
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`\nType "yes" to approve plan ${record.planHash.slice(0, 12)}: `);
      rl.close();
      if (answer.trim().toLowerCase() !== "yes") {
        err("not approved; the rollback keeps waiting");
        return 3;
      }
      hash = record.planHash;
    }
    const by = cliIdentity(opts);
    await approveRollback(engine, rollbackId, hash, by);
    if (!opts.resume) {
      out(`approved plan ${record.planHash.slice(0, 12)}; continue with \`backout resume ${rollbackId}\``);
      return 0;
    }
    return await runSession(
      { json: Boolean(opts.json), wait: true, maxAttempts: engine.config.policies.retry.maxAttempts, by },
      (control) => resumeRollback(engine, rollbackId, control),
    );
  } finally {
    await engine.close();
  }
}
