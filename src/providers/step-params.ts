import type { z } from "zod";
import { BackoutError } from "../core/errors.js";
import type { PlannedStep } from "../core/model.js";

/**
 * A step's params as its provider's plan() put them, parsed by the provider's schema. Anything
 * else (a plan edited by hand, or made by another provider) is PLAN_INVALID at the step, before
 * it runs. `problem` completes "step <id> …".
 */
export function readStepParams<T extends z.ZodType>(
  schema: T,
  step: PlannedStep,
  problem: string,
  hint: string,
): z.output<T> {
  const parsed = schema.safeParse(step.params);
  if (parsed.success) return parsed.data;
  throw new BackoutError("PLAN_INVALID", `step ${step.id} ${problem}`, {
    where: { component: step.component, step: step.id },
    hint,
  });
}

/** The usual hint of readStepParams: a new plan from this provider fixes it. */
export const notMadeBy = (kind: string): string =>
  `The plan was not made by the ${kind} provider or was edited; make a new plan.`;
