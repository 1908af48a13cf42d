import type { PlannedStep } from "../../../../core/model.js";
import type { ProviderContext } from "../../../../core/provider.js";
import { withPostgres } from "../../connection/session.js";
import { schemaFingerprint } from "../../capture/fingerprint.js";
import { plannedLayout } from "../../layouts/migration-set.js";
import { readSettings, type PostgresSettings } from "../../settings.js";
import { downParams } from "./step-params.js";

/**
 * Reached when the history no longer lists the step's version and, on the step that carries the
 * checkpoint's fingerprint (the last one), the schema fingerprint equals it again.
 */
export async function verifyReverseStep(
  ctx: ProviderContext<PostgresSettings>,
  step: PlannedStep,
): Promise<boolean> {
  const settings = readSettings(ctx);
  const params = downParams(step);
  const layout = plannedLayout(ctx, settings, params.format);
  const where = { component: ctx.component.name, step: step.id };
  return withPostgres(ctx, settings, where, async ({ client }) => {
    if ((await layout.appliedVersions(client)).includes(params.version)) return false;
    const expected = step.target.details?.fingerprint;
    if (typeof expected !== "string") return true;
    const now = await schemaFingerprint(client, settings);
    return now.hash === expected;
  });
}
