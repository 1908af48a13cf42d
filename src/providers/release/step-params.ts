import * as z from "zod";
import type { PlannedStep } from "../../core/model.js";
import { notMadeBy, readStepParams } from "../step-params.js";

const paramsSchema = z.object({
  release: z.string(),
  path: z.string(),
});

/** What plan() put into a switch-release step: the release name and the absolute application root. */
export type SwitchParams = z.output<typeof paramsSchema>;

export function switchParams(step: PlannedStep): SwitchParams {
  return readStepParams(paramsSchema, step, "has no release/path parameters", notMadeBy("release"));
}
