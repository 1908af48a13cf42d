/**
 * One attempt of a metric check: ask Prometheus for one number and compare it with the
 * threshold. Only a number that misses the threshold is a "fail"; anything that prevents
 * getting that number is an "error", so a broken query never passes for a bad deploy.
 */
import type { ProbeTry } from "../core/probe-retry.js";
import type { Verdict } from "./options.js";
import { queryPrometheus } from "./prometheus-query.js";
import type { Comparator, MetricCheckSpec } from "./schema.js";

const COMPARE: Record<Comparator, (a: number, b: number) => boolean> = {
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  "==": (a, b) => a === b,
  "!=": (a, b) => a !== b,
};

/** `t.signal` aborts at the check's timeout (on the clock) or on cancel, ending the query. */
export async function metricAttempt(spec: MetricCheckSpec, t: ProbeTry): Promise<Verdict> {
  const { prometheus, query, compare, threshold } = spec.metric;
  const outcome = await queryPrometheus(prometheus, query, spec.timeout, t);
  if (!outcome.ok) return { status: "error", detail: outcome.detail };
  const value = outcome.value;
  const warned = outcome.warnings.length > 0 ? ` (Prometheus warns: ${outcome.warnings.join("; ")})` : "";
  const shown = `${formatValue(value)} ${compare} ${threshold}`;
  if (COMPARE[compare](value, threshold)) {
    return { status: "pass", value, detail: `value ${shown} holds${warned}` };
  }
  return {
    status: "fail",
    value,
    detail: `value ${formatValue(value)}, expected ${compare} ${threshold}${warned}`,
  };
}

/** 0.70000001 → "0.7"; integers as they are. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}
