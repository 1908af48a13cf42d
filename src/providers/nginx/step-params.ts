import { z } from "zod";
import { BackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";

const paramsSchema = z.object({
  pool: z.string(),
  servers: z.array(z.string()).min(1),
  maintenance: z.boolean(),
});

/** The include state a step writes: the pool (with its servers, fixed at plan time) and the maintenance switch. */
export type StateParams = z.output<typeof paramsSchema>;

export function stateParams(step: PlannedStep): StateParams {
  const parsed = paramsSchema.safeParse(step.params);
  if (parsed.success) return parsed.data;
  throw new BackoutError("PLAN_INVALID", `step ${step.id} has no pool/servers/maintenance parameters`, {
    where: { component: step.component, step: step.id },
    hint: "The plan was not made by the nginx provider or was edited; make a new plan.",
  });
}
