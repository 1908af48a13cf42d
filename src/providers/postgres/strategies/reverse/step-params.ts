import { createHash } from "node:crypto";
import * as z from "zod";
import type { PlannedStep } from "../../../../core/model.js";
import { MIGRATION_FORMATS, type Migration, type MigrationFormat } from "../../layouts/layout.js";
import type { ClassifiedStatement } from "../../classify/types.js";
import { readStepParams } from "../../../step-params.js";

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
  format: z.enum(MIGRATION_FORMATS),
  version: z.string().min(1),
  name: z.string(),
  file: z.string(),
  downFile: z.string(),
  downSql: z.string(),
  downSha256: z.string().regex(/^[0-9a-f]{64}$/),
  statements: z.array(statement),
  archive: z.boolean(),
  /** false for a dbmate `-- migrate:down transaction:false` section. */
  transaction: z.boolean().default(true),
  /** What the migration's up destroyed (only a restore brings it back); [] when nothing. */
  lostByUp: z.array(z.string()).default([]),
});

/**
 * What plan() put into a migrate-down step: everything apply needs, so apply never reads the
 * migration files again (they may have moved: a release step switched `current` before this
 * step ran). The exact down text with its file and sha256, the approved statements cut from it,
 * and the tool's format. Live measurements are not here: they go in the step's `measured`.
 */
export interface DownParams {
  format: MigrationFormat;
  version: string;
  name: string;
  /** The migration's own file (up, or Sqitch's deploy script), as the history may name it. */
  file: string;
  downFile: string;
  downSql: string;
  downSha256: string;
  statements: ClassifiedStatement[];
  archive: boolean;
  transaction: boolean;
  lostByUp: string[];
}

export function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The migration as the layout's history update needs it, rebuilt from the plan alone. */
export function plannedMigration(p: DownParams): Migration {
  return {
    version: p.version,
    name: p.name,
    file: p.file,
    upSql: undefined,
    downFile: p.downFile,
    downSql: p.downSql,
    downTransaction: p.transaction,
  };
}

export function downParams(step: PlannedStep): DownParams {
  return readStepParams(
    paramsSchema,
    step,
    "has no valid migrate-down parameters",
    "The plan was made by another backout version, or was edited; make a new plan.",
  );
}
