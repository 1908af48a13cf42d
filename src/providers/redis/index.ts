import type { Provider } from "../../core/provider.js";
import { applyRedis } from "./apply.js";
import { captureRedis } from "./capture.js";
import { planRedis } from "./plan.js";
import type { RedisSettings } from "./settings.js";
import { redisKind } from "./kind.js";
import { verifyRedis } from "./verify.js";
import { doctorRedis } from "./doctor.js";

export { redisSettingsSchema, type RedisSettings } from "./settings.js";

/** `redis`: a cache flushed by SCAN MATCH + UNLINK (never KEYS), or FLUSHDB ASYNC when allowed. */
export const redisProvider: Provider<RedisSettings> = {
  ...redisKind,
  capture: captureRedis,
  plan: planRedis,
  apply: applyRedis,
  verify: verifyRedis,
  doctor: doctorRedis,
};
