/** The doctor's report for people: one line per check, grouped by component, each failure with its fix. */
import type { DoctorStatus } from "../../core/doctor-check.js";
import type { DoctorLine, DoctorReport } from "./run-doctor.js";

const MARK: Record<DoctorStatus, string> = { pass: "pass", warn: "WARN", fail: "FAIL" };

function lineOf(c: DoctorLine): string {
  const head = `  ${MARK[c.status]}  ${c.name}: ${c.detail.replace(/\s*\n\s*/g, "\n        ")}`;
  return c.fix !== undefined && c.status !== "pass" ? `${head}\n        fix: ${c.fix}` : head;
}

export function doctorText(report: DoctorReport, kinds: ReadonlyMap<string, string>): string {
  const groups = new Map<string, DoctorLine[]>();
  for (const c of report.checks) {
    const key = c.component ?? "";
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const blocks: string[] = [];
  for (const [component, checks] of groups) {
    const title = component === "" ? "environment" : `${component} (${kinds.get(component) ?? "?"})`;
    blocks.push([title, ...checks.map(lineOf)].join("\n"));
  }
  const count = (s: DoctorStatus) => report.checks.filter((c) => c.status === s).length;
  const summary = `${count("pass")} passed, ${count("warn")} warning(s), ${count("fail")} failed`;
  blocks.push(
    report.status === "fail"
      ? `doctor: ${summary}. Fix the FAIL lines before relying on a rollback.`
      : `doctor: ${summary}.`,
  );
  return blocks.join("\n\n");
}
