import type { ProviderKind } from "../lazy-provider.js";
import { fileSettingsSchema } from "./settings.js";

/** What the configuration knows of `file` components before the provider itself is loaded. */
export const fileKind: ProviderKind = {
  kind: "file",
  defaultLayer: "config",
  get settingsSchema() {
    return fileSettingsSchema();
  },
  description:
    "Plain files: checkpoints keep content-addressed copies; restore swaps each file in atomically (mode and owner kept), then an optional reload command.",
};
