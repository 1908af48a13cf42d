import type { CheckDefinition } from "../checks.js";
import type { CheckResult, Plan } from "../model.js";
import { childEnv, type ExecuteDeps } from "./deps.js";

export interface NamedCheck {
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

export async function runAll(
  deps: ExecuteDeps,
  checks: NamedCheck[],
  signal?: AbortSignal,
  defaultRetries?: number,
): Promise<CheckResult[]> {
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
        ...(defaultRetries === undefined ? {} : { defaultRetries }),
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
