import { requireRollback } from "../../core/rollbacks.js";
import { foldJournal, journalOrder } from "../../report/fold-journal.js";
import { journalExtras } from "../../report/journal-extras.js";
import { openEngine, type GlobalOptions } from "../context.js";
import { out, outJson, table } from "../output.js";

export default async function show(opts: GlobalOptions, [id]: string[]): Promise<number> {
  const engine = await openEngine(opts, { readOnly: true });
  try {
    const record = await requireRollback(engine, id ?? "");
    const entries = await engine.store.readJournal(record.id);
    const view = foldJournal(record.id, entries);
    if (opts.json) {
      // Validation results, monitor samples and notifications, structured, beside the fold.
      const { validations, samples, notifications } = journalExtras(journalOrder(record.id, entries));
      outJson({ ...view, validations, monitorSamples: samples, notifications });
      return 0;
    }
    out(`rollback ${view.id}: ${view.state}${view.endReason ? ` (${view.endReason})` : ""}`);
    out(
      `plan ${view.plan.hash.slice(0, 12)} → checkpoint "${view.plan.checkpoint.name}" (${view.plan.checkpoint.id})`,
    );
    if (view.startedAt)
      out(
        `started ${new Date(view.startedAt).toISOString()}, deadline ${new Date(view.deadlineAt ?? 0).toISOString()}`,
      );
    out("");
    out(
      table(
        ["step", "status", "attempts", "risk", "last error"],
        view.steps.map((s) => {
          const lastErr = [...s.attempts].reverse().find((a) => a.error)?.error;
          return [
            s.id,
            s.status + (s.interrupted ? " (interrupted)" : ""),
            String(s.attempts.length),
            s.dataLoss ? "data loss" : "",
            lastErr ? `${lastErr.code}: ${lastErr.message.split("\n")[0] ?? ""}` : "",
          ];
        }),
      ),
    );
    if (view.gate.required) {
      out("");
      out(
        `data-loss gate: ${view.gate.decisions.length ? view.gate.decisions.map((d) => `${d.type} by ${d.by ?? "?"} via ${d.via ?? "?"}`).join("; ") : "no decision yet"}`,
      );
    }
    if (view.escalation) out(`escalated: ${view.escalation.reason}`);
    if (view.emergency)
      out(
        `emergency procedure: ${view.emergency.steps.map((s) => `${s.name} ${s.ok ? "ok" : "failed"}`).join(", ")}`,
      );
    return 0;
  } finally {
    await engine.close();
  }
}
