import { z } from "zod";
import { BackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";

const paramsSchema = z.discriminatedUnion("mode", [
  z.object({
    mode: z.literal("patterns"),
    patterns: z.array(z.string()).min(1),
    batchSize: z.number().int().min(1),
  }),
  z.object({ mode: z.literal("database"), db: z.number().int().min(0) }),
]);

/** What plan() put into a flush step: the approved patterns, or the whole-database mode. */
export type FlushParams = z.output<typeof paramsSchema>;

export function flushParams(step: PlannedStep): FlushParams {
  const parsed = paramsSchema.safeParse(step.params);
  if (parsed.success) return parsed.data;
  throw new BackoutError("PLAN_INVALID", `step ${step.id} has no valid redis flush parameters`, {
    where: { component: step.component, step: step.id },
    hint: "The plan was not made by the redis provider or was edited; make a new plan.",
  });
}
