import * as z from "zod";
import type { PlannedStep } from "../../core/model.js";
import { notMadeBy, readStepParams } from "../step-params.js";

const paramsSchema = z.object({
  pool: z.string(),
  servers: z.array(z.string()).min(1),
  maintenance: z.boolean(),
});

/** The include state a step writes: the pool (with its servers, fixed at plan time) and the maintenance switch. */
export type StateParams = z.output<typeof paramsSchema>;

export function stateParams(step: PlannedStep): StateParams {
  return readStepParams(paramsSchema, step, "has no pool/servers/maintenance parameters", notMadeBy("nginx"));
}
