import type { ProviderKind } from "../lazy-provider.js";
import { commandSettingsSchema } from "./settings.js";

/** What the configuration knows of `command` components before the provider itself is loaded. */
export const commandKind: ProviderKind = {
  kind: "command",
  defaultLayer: "app",
  get settingsSchema() {
    return commandSettingsSchema();
  },
  description:
    "Any tool with a command line: capture prints the version, apply gets {{target}} and BACKOUT_TARGET_VERSION, verify exits 0.",
};
