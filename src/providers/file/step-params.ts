import * as z from "zod";
import type { PlannedStep } from "../../core/model.js";
import { notMadeBy, readStepParams } from "../step-params.js";

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
  return readStepParams(paramsSchema, step, "does not carry file parameters", notMadeBy("file"));
}
