import type { ComponentState } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { withRedis } from "./client.js";
import { LAST_FLUSH_KEY, versionOf } from "./markers.js";
import { countMatching } from "./scan.js";
import { readSettings, type RedisSettings } from "./settings.js";

// Bounds the key count: at batchSize 500 about 100,000 keys examined per pattern.
const CAPTURE_MAX_SCANS = 200;

/**
 * A cache has no version of its own: the version is when backout last flushed it
 * ("flushed@<ISO time>", or "unflushed"), so it changes whenever a rollback emptied it.
 * measured.keysMatching is what a flush would delete (a lower bound when keysMatchingComplete is
 * false): it moves with traffic, so it is only shown, never hashed.
 */
export function captureRedis(ctx: ProviderContext<RedisSettings>): Promise<ComponentState> {
  const settings = readSettings(ctx);
  return withRedis(ctx, settings, { component: ctx.component.name }, async ({ redis, target }) => {
    const lastFlush = await redis.get(LAST_FLUSH_KEY);
    const dbsize = await redis.dbsize();
    const counted =
      settings.patterns === undefined
        ? { count: dbsize, complete: true }
        : await countMatching(redis, settings.patterns, settings.batchSize, CAPTURE_MAX_SCANS);
    return {
      version: versionOf(lastFlush),
      details: { db: target.db },
      measured: { keysMatching: counted.count, keysMatchingComplete: counted.complete, dbsize },
    };
  });
}
