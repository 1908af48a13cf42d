import type { ProviderContext } from "../../core/provider.js";
import type { PostgresSettings } from "./settings.js";

/**
 * The id that names what a step leaves behind (archive tables, restored and kept databases, the
 * replay's progress): the rollback's, or outside one (a step applied by hand) a `manual-` id
 * from the clock.
 */
export function rollbackIdOf(ctx: ProviderContext<PostgresSettings>): string {
  return ctx.rollbackId ?? `manual-${new Date(ctx.clock.now()).toISOString()}`;
}
