/**
 * Runs checks with their retries: an attempt that does not pass is tried again after
 * `interval`, up to `retries` more times, and the last attempt's result counts. Never
 * throws: whatever goes wrong becomes a CheckResult with status "error".
 */
import { integrityCheck } from "./integrity-check.js";
import { systemClock } from "../core/clock.js";
import { mapLimited } from "../core/map-limited.js";
import { probeWithRetry, type ProbeTry } from "../core/probe-retry.js";
import type { CheckResult } from "../core/model.js";
import { commandAttempt } from "./command-check.js";
import { checkKind, checkName } from "./describe-check.js";
import { httpAttempt } from "./http-check.js";
import { metricAttempt } from "./metric-check.js";
import { messageOf } from "./net-errors.js";
import type { CheckOptions, Verdict } from "./options.js";
import type { CheckSpec } from "./schema.js";
import { tcpAttempt } from "./tcp-check.js";

export type { CheckOptions } from "./options.js";

/** Retries of a validation or watch check that sets none (a monitor check: 0, see CheckRunOptions). */
export const DEFAULT_RETRIES = 2;

function attempt(spec: CheckSpec, opts: CheckOptions, t: ProbeTry): Promise<Verdict> {
  if ("http" in spec) return httpAttempt(spec, t);
  if ("tcp" in spec) return tcpAttempt(spec, t);
  if ("command" in spec) return commandAttempt(spec, opts, t);
  if ("integrity" in spec) return integrityCheck(spec, t);
  return metricAttempt(spec, t);
}

async function safeAttempt(spec: CheckSpec, opts: CheckOptions, t: ProbeTry): Promise<Verdict> {
  try {
    return await attempt(spec, opts, t);
  } catch (e) {
    // A bug, not a verdict about the system: say so rather than crash the watcher.
    return { status: "error", detail: `the check itself failed: ${messageOf(e)}` };
  }
}

export async function runCheck(spec: CheckSpec, opts: CheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const total = (spec.retries ?? opts.defaultRetries ?? DEFAULT_RETRIES) + 1;
  // Each attempt gets spec.timeout on the clock: its signal aborts then, and t.timedOut() says
  // it was the timeout (not the caller's cancel); the kind ends its request, socket or process.
  const run = await probeWithRetry(
    { attempts: total, intervalMs: spec.interval, timeoutMs: spec.timeout },
    {
      clock: opts.clock ?? systemClock,
      signal: opts.signal,
      attempt: (t) => safeAttempt(spec, opts, t),
      passes: (v) => v.status === "pass",
    },
  );
  const verdict: Verdict = run.last ?? { status: "error", detail: "cancelled before the first attempt" };
  const made = run.attempts;
  const cancelled = run.cancelled && made > 0;
  let detail = verdict.detail;
  if (made > 1) detail += ` (attempt ${made} of ${total})`;
  if (cancelled) detail += " (cancelled before the next attempt)";
  const result: CheckResult = {
    name: checkName(spec, opts.redact),
    kind: checkKind(spec),
    status: verdict.status,
    detail: opts.redact(detail),
    durationMs: Math.round(performance.now() - started),
  };
  if (verdict.value !== undefined) result.value = verdict.value;
  return result;
}

/** Runs every check, at most `concurrency` at a time; results come back in the order of `specs`. */
export function runChecks(
  specs: readonly CheckSpec[],
  opts: CheckOptions,
  concurrency = 4,
): Promise<CheckResult[]> {
  const wanted = Number.isFinite(concurrency) ? Math.floor(concurrency) : 1;
  return mapLimited(specs, Math.max(1, wanted), (spec) => runCheck(spec, opts));
}
