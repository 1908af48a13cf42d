/**
 * At checkpoint time, the downs a rollback to this checkpoint will need that only the migration
 * tool can produce (node-pg-migrate JavaScript/TypeScript migrations not applied yet: the next
 * deploy applies them). When the tool cannot give one of them and nothing else could bring the
 * database back (no snapshot, or strategy: reverse), the checkpoint is refused now, naming the
 * file, instead of a plan failing in the middle of an incident.
 */
import { BackoutError } from "../../../../core/errors.js";
import type { ProviderContext } from "../../../../core/provider.js";
import { withPostgres } from "../../connection/session.js";
import { withToolSql } from "../../layouts/layout.js";
import { migrationSet } from "../../layouts/migration-set.js";
import { toolDownHint } from "./plan.js";
import { readSettings, type PostgresSettings } from "../../settings.js";

export async function refuseUnrevertable(ctx: ProviderContext<PostgresSettings>): Promise<void> {
  const settings = readSettings(ctx);
  const set = await migrationSet(ctx, settings);
  if (!set.migrations.some((m) => m.runtime === true)) return;
  const where = { component: ctx.component.name };
  const applied = new Set(
    await withPostgres(ctx, settings, where, ({ client }) => set.layout.appliedVersions(client)),
  );
  const pending = set.migrations.filter((m) => m.runtime === true && !applied.has(m.version));
  const resolved = await withToolSql(set.layout, set.migrations, pending);
  const broken = resolved.find((m) => m.downProblem !== undefined);
  if (broken === undefined) return;
  const restorable = settings.snapshot !== "none" && settings.strategy !== "reverse";
  if (restorable) return;
  throw new BackoutError(
    "PLAN_INVALID",
    ctx.redact(
      `checkpoint refused: a rollback to it would have to revert ${broken.version} (${broken.file}) once it is applied, and node-pg-migrate's dry run of its down fails: ${broken.downProblem ?? ""}`,
    ),
    { where: { ...where, file: broken.file }, hint: toolDownHint(broken.version) },
  );
}
