/** The drill report for people: one block per component, one line per migration, findings under it. */
import type { DrillReport, MigrationDrill } from "./types.js";

const DETAIL_LINES = 10;

function stages(m: MigrationDrill): string {
  const mark = (done: boolean, word: string) => (done ? word : `(${word} not run)`);
  return [mark(m.up, "up"), mark(m.down, "down"), mark(m.reapplied, "up again")].join(", ");
}

function copyText(r: DrillReport): string {
  return r.copy === "template"
    ? "a template copy of the live database"
    : `the live schema plus up to ${r.sampleRows ?? 0} rows per table (the template copy was refused: other sessions are connected)`;
}

export function drillText(r: DrillReport): string {
  const lines: string[] = [];
  const verdict = r.clean ? "clean" : "NOT clean";
  lines.push(`${r.component} (${r.format}, policy ${r.policy}): the rollback would be ${verdict}`);
  if (r.migrations.length === 0) {
    lines.push("  no pending migrations: every migration file is applied, nothing to drill");
  } else {
    lines.push(
      `  ${r.migrations.length} pending migration(s) drilled on ${copyText(r)} in ${r.durationMs}ms`,
    );
  }
  for (const p of r.problems) lines.push(`  ! ${p}`);
  for (const m of r.migrations) {
    const ok = m.findings.length === 0;
    lines.push(`  ${ok ? "ok  " : "FAIL"} ${m.version} ${m.name}: ${stages(m)}`);
    for (const f of m.findings) {
      lines.push(`       - ${f.kind}: ${f.message}`);
      const shown = (f.details ?? []).slice(0, DETAIL_LINES);
      if (f.kind === "schema-differs" || f.kind === "reapply-differs") {
        for (const d of shown) lines.push(`           ${d}`);
        const rest = (f.details?.length ?? 0) - shown.length;
        if (rest > 0) lines.push(`           … ${rest} more`);
      }
    }
    for (const a of m.archived) lines.push(`       archived under policy archive: ${a}`);
    for (const r of m.restorable ?? [])
      lines.push(`       the up destroys it, a restore of the snapshot brings it back: ${r}`);
  }
  return lines.join("\n");
}

/** What to do next, printed once after every component's report when something is not clean. */
export const NOT_CLEAN_HINT =
  "the rollback would not be clean: add the missing down scripts, make each down undo exactly its up, " +
  "or set dataLoss: archive on the component; then run `backout drill` again";
