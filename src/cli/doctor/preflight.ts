/**
 * `plan --preflight`: the doctor's checks next to the plan, and which planned steps a failing
 * check would break (a step of a component whose own check fails, or every step when the
 * store itself fails), so a plan that cannot succeed says so before anyone runs it.
 */
import type { Engine } from "../../core/engine.js";
import type { Plan } from "../../core/model.js";
import { checkRunner } from "../../api/wiring.js";
import { runDoctor, type DoctorLine, type DoctorReport } from "./run-doctor.js";

export interface Preflight extends DoctorReport {
  /** Planned steps a failing check would break, with the check and its fix. */
  breaks: { step: string; check: string; detail: string; fix?: string }[];
}

/** Environment checks whose failure breaks every step (the journal cannot be written). */
const WHOLE_ROLLBACK = new Set(["store integrity"]);

function componentOf(line: DoctorLine): string | undefined {
  return line.component ?? /^migrations of (.+)$/.exec(line.name)?.[1];
}

export async function preflight(engine: Engine, plan: Plan): Promise<Preflight> {
  const report = await runDoctor(engine, checkRunner());
  const failing = report.checks.filter((c) => c.status === "fail");
  const breaks: Preflight["breaks"] = [];
  for (const step of plan.steps) {
    for (const c of failing) {
      if (componentOf(c) === step.component || WHOLE_ROLLBACK.has(c.name)) {
        breaks.push({
          step: step.id,
          check: `${c.component ? `${c.component}: ` : ""}${c.name}`,
          detail: c.detail,
          ...(c.fix ? { fix: c.fix } : {}),
        });
      }
    }
  }
  return { ...report, breaks };
}

export function preflightText(p: Preflight): string {
  const count = (s: string) => p.checks.filter((c) => c.status === s).length;
  const lines = [`Preflight: ${count("pass")} passed, ${count("warn")} warning(s), ${count("fail")} failed.`];
  if (p.breaks.length === 0) {
    lines.push(
      count("fail") > 0
        ? "No failing check touches a step of this plan (see `backout doctor`)."
        : "Nothing found that would break this plan.",
    );
    return lines.join("\n");
  }
  lines.push("This plan would fail:");
  for (const b of p.breaks) {
    lines.push(`  ${b.step}: ${b.check} FAIL: ${b.detail.replace(/\s*\n\s*/g, " ")}`);
    if (b.fix) lines.push(`    fix: ${b.fix}`);
  }
  return lines.join("\n");
}
