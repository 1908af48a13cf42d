import { resolve } from "node:path";
import { BackoutError } from "../../../core/errors.js";
import type { ProviderContext } from "../../../core/provider.js";
import { layoutFor, resolveFormat } from "./detect.js";
import type { Migration, MigrationFormat, MigrationLayout } from "./layout.js";
import { resolveNpmOptions } from "./npm-options.js";
import type { PostgresSettings } from "../settings.js";

export interface MigrationSet {
  format: MigrationFormat;
  dir: string;
  layout: MigrationLayout;
  /** Oldest first, as the tool applies them. */
  migrations: Migration[];
}

/**
 * The layout of a format recorded in a plan, without reading the migration directory: apply and
 * verify work from the plan alone (the files may have moved since planning).
 */
export function plannedLayout(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  format: MigrationFormat,
): MigrationLayout {
  const migrationsDir = resolve(ctx.baseDir, settings.migrations);
  return layoutFor(format, {
    migrationsDir,
    env: ctx.env,
    ...(format === "node-pg-migrate"
      ? {
          nodePgMigrate: resolveNpmOptions({
            settings: settings.nodePgMigrate,
            baseDir: ctx.baseDir,
            migrationsDir,
            env: ctx.env,
            component: ctx.component.name,
          }),
        }
      : {}),
    ...(settings.committer === undefined ? {} : { committer: settings.committer }),
    ...(settings.historyTable === undefined ? {} : { historyTable: settings.historyTable }),
  });
}

/** The component's migration files and the layout of its tool (detected when format: auto). */
export async function migrationSet(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
): Promise<MigrationSet> {
  const dir = resolve(ctx.baseDir, settings.migrations);
  const format = await resolveFormat(settings.format, dir, ctx.component.name);
  const layout = plannedLayout(ctx, settings, format);
  let migrations: Migration[];
  try {
    migrations = await layout.readMigrations(dir);
  } catch (e) {
    if (e instanceof BackoutError) throw e;
    throw new BackoutError("CONFIG_INVALID", `cannot read the ${format} migrations in ${dir}: ${String(e)}`, {
      where: { component: ctx.component.name, field: "migrations" },
      hint: "Check that migrations: points at the directory of the migration files (relative to backout.yaml).",
    });
  }
  return { format, dir, layout, migrations };
}
