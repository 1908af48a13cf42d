import { riskText, type Plan, type PlannedStep } from "../core/model.js";
import { wrap, wrapCommand } from "./text-wrap.js";

export interface PlanTextOptions {
  /** Columns to fit (see terminalWidth); 80 by default. */
  width?: number;
  /** The plan was saved to this file: the commands shown run the file. */
  savedTo?: string;
}

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

/**
 * The plan for a person, fitted to `width` columns. The risk comes first, where the eye lands:
 * whether any step may lose data (which ones and what they lose, and how to confirm) before the
 * components and the steps. Every step is a block of wrapped lines, never a table row that
 * runs off the screen.
 */
export function planText(plan: Plan, options: PlanTextOptions = {}): string {
  const width = options.width ?? 80;
  const cp = plan.checkpoint;
  const lines: string[] = [];
  const add = (text: string, first = "", rest?: string) => lines.push(...wrap(text, width, first, rest));
  lines.push(...riskLines(plan, width, options.savedTo));
  add(
    `${plan.environment} to checkpoint "${cp.name}" (${cp.id}, ${new Date(cp.createdAt).toISOString()})`,
    "Rolls back ",
    "  ",
  );
  if (plan.scope.only.length) add(plan.scope.only.join(", "), "Scope: only ", "  ");
  if (plan.scope.except.length) add(plan.scope.except.join(", "), "Scope: all except ", "  ");

  lines.push("", "Components:");
  for (const c of plan.components) {
    const to = c.upToDate ? `${c.to.version} (up to date)` : c.to.version;
    add(`${c.from.version} → ${to}`, `  ${c.name} (${c.kind}): `, "      ");
    if (c.reason === "pulled-in") add(c.because ?? "", "      pulled in: ", "        ");
  }
  lines.push("");
  if (plan.steps.length === 0) {
    add("Nothing to roll back: every component is already at the checkpoint's state.");
    return lines.join("\n");
  }
  const d = depths(plan);
  add(`Steps (a wave's steps may run in parallel, up to ${plan.concurrency} at once):`);
  const sorted = [...plan.steps].sort((a, b) => (d.get(a.id) ?? 0) - (d.get(b.id) ?? 0));
  let wave = -1;
  for (const s of sorted) {
    const w = d.get(s.id) ?? 0;
    if (w !== wave) lines.push(`  wave ${w + 1}`);
    wave = w;
    lines.push(...stepLines(s, width));
  }
  lines.push("", `Estimate: about ${Math.max(1, Math.round(plan.estimateMs / 1000))} s`);
  return lines.join("\n");
}

function stepLines(s: PlannedStep, width: number): string[] {
  const out = wrap(s.id, width, "    ");
  out.push(...wrap(s.description, width, "      "));
  const undo = s.reversible ? "can be undone" : "cannot be undone";
  const risk = s.risk.dataLoss ? `DATA LOSS: ${riskText(s.risk)}` : `risk: ${riskText(s.risk)}`;
  out.push(...wrap(`${risk}; ${undo}`, width, "      ", "        "));
  return out;
}

/** The first lines: whether any step may lose data (which, what, and how to confirm), or that none may. */
function riskLines(plan: Plan, width: number, savedTo: string | undefined): string[] {
  const title = `Plan ${plan.hash.slice(0, 12)}: `;
  const steps = plan.steps.length;
  // A no-break space keeps "1 s" together when the line wraps.
  const estimate = `about ${Math.max(1, Math.round(plan.estimateMs / 1000))}\u00a0s`;
  if (!plan.dataLoss) {
    const what = steps === 0 ? "nothing to do" : `${steps} step${steps === 1 ? "" : "s"}, ${estimate}`;
    return wrap(`no step may lose data (${what}).`, width, `${title}`, "  ");
  }
  const risky = plan.steps.filter((s) => s.risk.dataLoss);
  const lines = wrap(
    `DATA LOSS: ${risky.length} of ${steps} steps may lose data. No step runs until someone confirms this exact plan:`,
    width,
    title,
    "  ",
  );
  for (const s of risky) lines.push(...wrap(riskText(s.risk), width, `  ${s.id}: `, "    "));
  lines.push(...wrapCommand(confirmCommand(plan, savedTo), width, "  "));
  return lines;
}

function confirmCommand(plan: Plan, savedTo: string | undefined): string[] {
  const words = ["backout", "run"];
  if (savedTo !== undefined)
    return [...words, "--plan", shellWord(savedTo), "--confirm", plan.hash.slice(0, 12)];
  words.push("--confirm", plan.hash.slice(0, 12), "--to", plan.checkpoint.id);
  if (plan.scope.only.length) words.push("--only", plan.scope.only.join(","));
  if (plan.scope.except.length) words.push("--except", plan.scope.except.join(","));
  return words;
}

/** A file name as a shell reads it back: quoted when it holds anything but plain characters. */
function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
