import { writeFileSync } from "node:fs";
import { requireRollback } from "../../core/rollbacks.js";
import { renderReport } from "../../report/render.js";
import { openEngine, type GlobalOptions } from "../context.js";
import { err, out, redactor } from "../output.js";

export default async function report(
  opts: GlobalOptions & { format: "md" | "json" | "html"; output?: string },
  [id]: string[],
): Promise<number> {
  const engine = await openEngine(opts, { readOnly: true });
  try {
    const record = await requireRollback(engine, id ?? "");
    const entries = await engine.store.readJournal(record.id);
    const text = await renderReport(record.id, entries, opts.json ? "json" : opts.format);
    if (opts.output) {
      writeFileSync(opts.output, redactor.redact(text.endsWith("\n") ? text : `${text}\n`));
      err(`report written to ${opts.output}`);
    } else out(text);
    return 0;
  } finally {
    await engine.close();
  }
}
