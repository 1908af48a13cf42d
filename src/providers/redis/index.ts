import type { Provider } from "../../core/provider.js";
import { applyRedis } from "./apply.js";
import { captureRedis } from "./capture.js";
import { planRedis } from "./plan.js";
import { redisSettingsSchema, type RedisSettings } from "./settings.js";
import { verifyRedis } from "./verify.js";
import { doctorRedis } from "./doctor.js";

export { redisSettingsSchema, type RedisSettings } from "./settings.js";

/** `redis`: a cache flushed by SCAN MATCH + UNLINK (never KEYS), or FLUSHDB ASYNC when allowed. */
export const redisProvider: Provider<RedisSettings> = {
  kind: "redis",
  defaultLayer: "cache",
  settingsSchema: redisSettingsSchema,
  description:
    "Redis cache: deletes keys matching patterns with SCAN + UNLINK in batches (or FLUSHDB ASYNC when flushDatabase: true), then an optional warm-up.",
  capture: captureRedis,
  plan: planRedis,
  apply: applyRedis,
  verify: verifyRedis,
  doctor: doctorRedis,
};
