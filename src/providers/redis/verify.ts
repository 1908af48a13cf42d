import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { withRedis } from "./client.js";
import { stepMarkerKey, warmedKey } from "./markers.js";
import { readSettings, type RedisSettings } from "./settings.js";

/**
 * Reached when this rollback step's marker exists. apply writes it only after a complete
 * SCAN/UNLINK pass (or FLUSHDB), so it proves every matching key was gone at that moment.
 * Keys matching now are deliberately ignored: the cache layer runs after the app, so they are
 * the rolled-back app refilling its cache, and flushing them again on resume would only hurt.
 * Without the marker (crash mid-flush, another rollback, a restarted server) the answer is no,
 * and re-running apply is harmless. With a warm-up, its own marker must exist too: a crash
 * during the warm-up makes resume run apply again, which skips the flush and warms up.
 */
export async function verifyRedis(ctx: ProviderContext<RedisSettings>, step: PlannedStep): Promise<boolean> {
  const settings = readSettings(ctx);
  const markerKey = stepMarkerKey(ctx.rollbackId, step.id);
  if (markerKey === undefined) return false; // outside a rollback nothing tells this flush apart
  const where = { component: ctx.component.name, step: step.id };
  // With a warm-up, the step promised a warm cache: not reached until the warm-up completed.
  const needed = settings.warmup ? [markerKey, warmedKey(markerKey)] : [markerKey];
  return withRedis(
    ctx,
    settings,
    where,
    async ({ redis }) => (await redis.exists(...needed)) === needed.length,
  );
}
