import { z } from "zod";
import { BackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ClassifiedStatement, DataAtRisk } from "./sql/types.js";

const target = z.looseObject({
  schema: z.string(),
  table: z.string(),
  column: z.string().optional(),
  where: z.string().optional(),
  operation: z.enum([
    "drop-table",
    "drop-column",
    "truncate",
    "delete",
    "update",
    "alter-type",
    "drop-schema",
  ]),
});

const statement = z.looseObject({
  sql: z.string(),
  line: z.number(),
  class: z.enum(["safe", "destructive", "opaque"]),
  reason: z.string(),
  targets: z.array(target),
});

const paramsSchema = z.object({
  version: z.string().min(1),
  name: z.string(),
  downFile: z.string(),
  statements: z.array(statement),
  atRisk: z.array(z.looseObject({ target, rows: z.number(), values: z.number().optional() })),
  archive: z.boolean(),
  /** false for a dbmate `-- migrate:down transaction:false` section. */
  transaction: z.boolean().default(true),
});

/** What plan() put into a migrate-down step: the approved statements, not the file as it is now. */
export interface DownParams {
  version: string;
  name: string;
  downFile: string;
  statements: ClassifiedStatement[];
  atRisk: DataAtRisk[];
  archive: boolean;
  transaction: boolean;
}

export function downParams(step: PlannedStep): DownParams {
  const parsed = paramsSchema.safeParse(step.params);
  if (parsed.success) return parsed.data;
  throw new BackoutError("PLAN_INVALID", `step ${step.id} has no valid migrate-down parameters`, {
    where: { component: step.component, step: step.id },
    hint: "The plan was not made by the postgres provider or was edited; make a new plan.",
  });
}
