import { BackoutError } from "../errors.js";

/** The parts of a step the estimates need (PlannedStep has them). */
export interface TimedStep {
  id: string;
  after: string[];
  estimateMs?: number;
}

/** A step without an estimate still takes some time: it keeps long chains ahead of short ones. */
export const DEFAULT_STEP_ESTIMATE_MS = 1;

/**
 * No schedule can finish sooner than its longest chain, nor sooner than the total work spread over
 * `concurrency` workers: the larger of the two is a lower bound for the rollback's duration.
 */
export function estimateLowerBoundMs(steps: readonly TimedStep[], concurrency: number): number {
  if (steps.length === 0) return 0;
  let longest = 0;
  for (const p of priorities(steps).values()) longest = Math.max(longest, p);
  const total = steps.reduce((sum, s) => sum + estimate(s), 0);
  return Math.max(longest, Math.ceil(total / Math.max(1, Math.floor(concurrency))));
}

/**
 * For each step, the length (by estimateMs) of the longest path from it to the end of the plan,
 * itself included. Dispatching ready steps in descending priority starts the critical path first.
 */
export function priorities(steps: readonly TimedStep[]): Map<string, number> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const successors = new Map<string, string[]>();
  const pending = new Map<string, number>();
  for (const s of steps) {
    pending.set(s.id, 0);
    for (const p of new Set(s.after)) {
      if (!byId.has(p)) continue;
      const list = successors.get(p);
      if (list) list.push(s.id);
      else successors.set(p, [s.id]);
    }
  }
  for (const [id, list] of successors) pending.set(id, list.length);
  // Reverse Kahn: sinks first, then steps whose successors are all done (no recursion depth limits).
  const ready = steps.filter((s) => !successors.has(s.id)).map((s) => s.id);
  const result = new Map<string, number>();
  while (ready.length > 0) {
    const id = ready.pop() as string;
    const step = byId.get(id) as TimedStep;
    let longestAfter = 0;
    for (const next of successors.get(id) ?? []) longestAfter = Math.max(longestAfter, result.get(next) ?? 0);
    result.set(id, estimate(step) + longestAfter);
    for (const p of new Set(step.after)) {
      const left = (pending.get(p) ?? 0) - 1;
      pending.set(p, left);
      if (left === 0 && byId.has(p)) ready.push(p);
    }
  }
  if (result.size < byId.size) {
    throw new BackoutError("PLAN_INVALID", "the steps' order has a cycle: no priorities exist", {
      hint: "this is a bug in plan construction; the plan must be a DAG",
    });
  }
  return result;
}

function estimate(s: TimedStep): number {
  const ms = s.estimateMs;
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_STEP_ESTIMATE_MS;
}
