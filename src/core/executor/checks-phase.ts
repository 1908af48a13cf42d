import type { CheckDefinition } from "../checks.js";
import type { CheckResult, Plan } from "../model.js";
import { childEnv, type ExecuteDeps } from "./deps.js";

interface NamedCheck {
  check: CheckDefinition;
  component?: string;
}

/** The global validation checks plus the own checks of every component the plan rolled back. */
function validationChecks(deps: ExecuteDeps, plan: Plan): NamedCheck[] {
  const touched = new Set(plan.components.filter((c) => !c.upToDate).map((c) => c.name));
  const own = deps.config.components
    .filter((c) => touched.has(c.name))
    .flatMap((c) => (c.checks ?? []).map((check) => ({ check, component: c.name })));
  return [...(deps.config.validation ?? []).map((check) => ({ check })), ...own];
}

async function runAll(deps: ExecuteDeps, checks: NamedCheck[], signal?: AbortSignal): Promise<CheckResult[]> {
  const runner = deps.checks;
  if (!runner || checks.length === 0) return [];
  return Promise.all(
    checks.map(({ check, component }) =>
      runner(check, {
        redact: deps.redact,
        env: childEnv(deps),
        cwd: deps.config.baseDir,
        ...(signal ? { signal } : {}),
        ...(component ? { component } : {}),
      }),
    ),
  );
}

/**
 * Validation after the steps: every result is journalled; the rollback is only done when all
 * pass. Returns the results that did not pass.
 */
export async function validate(deps: ExecuteDeps, plan: Plan, signal?: AbortSignal): Promise<CheckResult[]> {
  const results = await runAll(deps, validationChecks(deps, plan), signal);
  for (const result of results) await deps.journal.append({ type: "validation", result });
  return results.filter((r) => r.status !== "pass");
}

/**
 * The live monitor: samples the monitor's checks every interval while steps run; when the share
 * of failing signals passes the abort threshold, it calls `abort` (stop dispatching, escalate).
 * "error" results (a signal that could not be judged) do not count as failing.
 */
export function startMonitor(
  deps: ExecuteDeps,
  stop: AbortSignal,
  abort: (why: string) => void,
): Promise<void> {
  const monitor = deps.config.monitor;
  if (!monitor || monitor.checks.length === 0 || !deps.checks) return Promise.resolve();
  const checks = monitor.checks.map((check) => ({ check }));
  return (async () => {
    while (!stop.aborted) {
      await deps.clock.sleep(monitor.intervalMs, stop);
      if (stop.aborted) break;
      const results = await runAll(deps, checks, stop);
      if (stop.aborted) break;
      const failing = results.filter((r) => r.status === "fail").length;
      const errorRate = results.length === 0 ? 0 : failing / results.length;
      const aborted = errorRate > monitor.abortThreshold;
      await deps.journal.append({
        type: "monitor-sample",
        results,
        errorRate,
        threshold: monitor.abortThreshold,
        aborted,
      });
      if (aborted) {
        abort(
          `monitor: ${failing} of ${results.length} signals failing (error rate ${errorRate.toFixed(2)} > ${monitor.abortThreshold})`,
        );
        break;
      }
    }
  })();
}
