import type { ProviderKind } from "../lazy-provider.js";
import { releaseSettingsSchema } from "./settings.js";

/** What the configuration knows of `release` components before the provider itself is loaded. */
export const releaseKind: ProviderKind = {
  kind: "release",
  defaultLayer: "app",
  get settingsSchema() {
    return releaseSettingsSchema();
  },
  description:
    "Release directories (releases/<name>) with an atomic `current` symlink swap, then an optional restart and health check.",
};
