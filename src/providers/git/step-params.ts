import * as z from "zod";
import type { PlannedStep } from "../../core/model.js";
import { notMadeBy, readStepParams } from "../step-params.js";

const sha = z.string().regex(/^[0-9a-f]{40,64}$/);

const paramsSchema = z.object({
  strategy: z.enum(["revert", "reset"]),
  /** Full sha of the target commit and of its tree. */
  target: sha,
  targetTree: sha,
  /** HEAD when planned (for reports and the message's {{from}}). */
  from: sha,
  branch: z.string().nullable(),
  /** Remote to push to, or null; and its branch tip when planned (the lease of a forced push). */
  remote: z.string().nullable(),
  remoteSha: sha.nullable(),
});

export type GitStepParams = z.output<typeof paramsSchema>;

export function gitParams(step: PlannedStep): GitStepParams {
  return readStepParams(paramsSchema, step, "does not carry git parameters", notMadeBy("git"));
}
