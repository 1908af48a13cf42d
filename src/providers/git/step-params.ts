import { z } from "zod";
import { BackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";

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
  const parsed = paramsSchema.safeParse(step.params);
  if (parsed.success) return parsed.data;
  throw new BackoutError("PLAN_INVALID", `step ${step.id} does not carry git parameters`, {
    where: { component: step.component, step: step.id },
    hint: "The plan was not made by the git provider or was edited; make a new plan.",
  });
}
