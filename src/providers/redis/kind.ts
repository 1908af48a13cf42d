import type { ProviderKind } from "../lazy-provider.js";
import { redisSettingsSchema } from "./settings.js";

/** What the configuration knows of `redis` components before the provider itself is loaded. */
export const redisKind: ProviderKind = {
  kind: "redis",
  defaultLayer: "cache",
  get settingsSchema() {
    return redisSettingsSchema();
  },
  description:
    "Redis cache: deletes keys matching patterns with SCAN + UNLINK in batches (or FLUSHDB ASYNC when flushDatabase: true), then an optional warm-up.",
};
