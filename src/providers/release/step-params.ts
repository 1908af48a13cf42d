import { z } from "zod";
import { BackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";

const paramsSchema = z.object({
  release: z.string(),
  path: z.string(),
});

/** What plan() put into a switch-release step: the release name and the absolute application root. */
export type SwitchParams = z.output<typeof paramsSchema>;

export function switchParams(step: PlannedStep): SwitchParams {
  const parsed = paramsSchema.safeParse(step.params);
  if (parsed.success) return parsed.data;
  throw new BackoutError("PLAN_INVALID", `step ${step.id} has no release/path parameters`, {
    where: { component: step.component, step: step.id },
    hint: "The plan was not made by the release provider or was edited; make a new plan.",
  });
}
