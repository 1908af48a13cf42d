import { z } from "zod";
import { BackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";

const fileSchema = z.object({
  /** As written in settings (reports) and resolved (what is written). */
  path: z.string(),
  abs: z.string(),
  sha: z.string(),
  mode: z.string().optional(),
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
});

const paramsSchema = z.object({ blobs: z.string(), files: z.array(fileSchema) });

export type RestoreParams = z.output<typeof paramsSchema>;
export type RestoreFile = RestoreParams["files"][number];

export function restoreParams(step: PlannedStep): RestoreParams {
  const parsed = paramsSchema.safeParse(step.params);
  if (parsed.success) return parsed.data;
  throw new BackoutError("PLAN_INVALID", `step ${step.id} does not carry file parameters`, {
    where: { component: step.component, step: step.id },
    hint: "The plan was not made by the file provider or was edited; make a new plan.",
  });
}
