/** The plain-text report of a restore drill. */
import type { RestoreDrillReport } from "./restore-drill.js";

export function restoreDrillText(r: RestoreDrillReport): string {
  const lines = [
    `restore drill of ${r.component} to checkpoint ${r.checkpoint}: ${r.clean ? "clean" : "NOT clean"}`,
  ];
  if (r.changes > 0 || r.captureMs > 0)
    lines.push(
      `  writes since the checkpoint: ${r.changes} changes, copied from the slot in ${r.captureMs} ms (the slot was only read)`,
    );
  if (r.restoreMs > 0)
    lines.push(
      `  restore of the dump ${r.restoreMs} ms, replay ${r.replayMs} ms; the whole drill ${r.totalMs} ms (about what a rollback by restore-and-replay takes now)`,
    );
  for (const l of r.replay) lines.push(`  ${l}`);
  if (r.restoreMs > 0)
    lines.push(`  schema: ${r.schemaMatches ? "the checkpoint's" : "DIFFERS from the checkpoint's"}`);
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  return lines.join("\n");
}
