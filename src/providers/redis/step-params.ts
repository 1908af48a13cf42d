import * as z from "zod";
import type { PlannedStep } from "../../core/model.js";
import { notMadeBy, readStepParams } from "../step-params.js";

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
  return readStepParams(paramsSchema, step, "has no valid redis flush parameters", notMadeBy("redis"));
}
