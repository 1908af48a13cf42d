import * as z from "zod";
import type { PlannedStep } from "../../core/model.js";

const paramsSchema = z.object({ current: z.string().optional() });

/** The version the component was at when planned (for BACKOUT_CURRENT_VERSION); the target is step.target. */
export function plannedCurrent(step: PlannedStep): string | undefined {
  const parsed = paramsSchema.safeParse(step.params);
  return parsed.success ? parsed.data.current : undefined;
}
