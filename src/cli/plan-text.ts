import { riskText, type Plan } from "../core/model.js";
import { table } from "./output.js";

/** Depth of each step in the DAG: steps with the same depth may run at the same time. */
function depths(plan: Plan): Map<string, number> {
  const depth = new Map<string, number>();
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const visit = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const s = byId.get(id);
    const d = s && s.after.length > 0 ? Math.max(...s.after.map(visit)) + 1 : 0;
    depth.set(id, d);
    return d;
  };
  plan.steps.forEach((s) => visit(s.id));
  return depth;
}

export function planText(plan: Plan): string {
  const cp = plan.checkpoint;
  const lines: string[] = [];
  lines.push(
    `Plan ${plan.hash.slice(0, 12)} — roll back ${plan.environment} to checkpoint "${cp.name}" (${cp.id}, ${new Date(cp.createdAt).toISOString()})`,
  );
  if (plan.scope.only.length) lines.push(`Scope: only ${plan.scope.only.join(", ")}`);
  if (plan.scope.except.length) lines.push(`Scope: all except ${plan.scope.except.join(", ")}`);
  lines.push("", "Components:");
  lines.push(
    table(
      ["  component", "kind", "now", "target", "why"],
      plan.components.map((c) => [
        `  ${c.name}`,
        c.kind,
        c.from.version,
        c.upToDate ? `${c.to.version} (up to date)` : c.to.version,
        c.reason === "pulled-in" ? `pulled in: ${c.because ?? ""}` : "selected",
      ]),
    ),
  );
  lines.push("");
  if (plan.steps.length === 0) {
    lines.push("Nothing to roll back: every component is already at the checkpoint's state.");
    return lines.join("\n");
  }
  const d = depths(plan);
  lines.push(`Steps (same wave = may run in parallel, up to ${plan.concurrency} at once):`);
  lines.push(
    table(
      ["  wave", "step", "what", "risk", "undo"],
      [...plan.steps]
        .sort((a, b) => (d.get(a.id) ?? 0) - (d.get(b.id) ?? 0))
        .map((s) => [
          `  ${(d.get(s.id) ?? 0) + 1}`,
          s.id,
          s.description,
          s.risk.dataLoss ? `DATA LOSS: ${riskText(s.risk)}` : riskText(s.risk),
          s.reversible ? "yes" : "no",
        ]),
    ),
  );
  lines.push("", `Estimate: about ${Math.max(1, Math.round(plan.estimateMs / 1000))} s`);
  if (plan.dataLoss) {
    lines.push(
      "",
      "This plan may lose data. It will not run those steps until someone confirms this exact plan:",
      `  backout run --confirm ${plan.hash.slice(0, 12)}${scopeFlags(plan)}`,
    );
  } else {
    lines.push("No step may lose data.");
  }
  return lines.join("\n");
}

function scopeFlags(plan: Plan): string {
  let s = ` --to ${plan.checkpoint.id}`;
  if (plan.scope.only.length) s += ` --only ${plan.scope.only.join(",")}`;
  if (plan.scope.except.length) s += ` --except ${plan.scope.except.join(",")}`;
  return s;
}
