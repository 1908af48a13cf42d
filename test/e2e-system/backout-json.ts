/** Reading the CLI's --json answers, with messages that show what came back when they do not parse. */
import type { Plan } from "../../src/core/model.js";
import type { RollbackView } from "../../src/report/rollback-view.js";
import type { CliResult } from "../e2e/cli.js";

export function parseJson<T>(r: CliResult, what: string): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${what}: not JSON (exit ${r.exitCode})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

export function parsePlan(r: CliResult): Plan {
  return parseJson<Plan>(r, "backout plan --json");
}

export function parseView(r: CliResult): RollbackView {
  return parseJson<RollbackView>(r, "backout show --json");
}

/** `run --json` prints journal events one per line, then {"result": {rollbackId, state, ...}}. */
export function runResult(r: CliResult): { rollbackId: string; state: string } {
  const last = r.stdout.trim().split("\n").at(-1) ?? "";
  try {
    const parsed = JSON.parse(last) as { result?: { rollbackId: string; state: string } };
    if (parsed.result) return parsed.result;
  } catch {
    // reported below
  }
  throw new Error(`backout run --json gave no result line (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
}

/**
 * Steps of the journal that started before one of their plan predecessors finished (should be
 * none): the executor kept the planned order, not just the plan.
 */
export function orderViolations(view: RollbackView): string[] {
  const byId = new Map(view.steps.map((s) => [s.id, s]));
  const out: string[] = [];
  for (const planned of view.plan.steps) {
    const started = byId.get(planned.id)?.attempts[0]?.startedAt;
    if (started === undefined) continue;
    for (const p of planned.after) {
      const ended = byId.get(p)?.attempts.at(-1)?.endedAt;
      if (ended === undefined || ended > started) out.push(`${planned.id} started before ${p} ended`);
    }
  }
  return out;
}
