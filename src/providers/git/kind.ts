import type { ProviderKind } from "../lazy-provider.js";
import { gitSettingsSchema } from "./settings.js";
import { gitSatisfies } from "./satisfies.js";

/** What the configuration knows of `git` components before the provider itself is loaded. */
export const gitKind: ProviderKind = {
  kind: "git",
  defaultLayer: "config",
  get settingsSchema() {
    return gitSettingsSchema();
  },
  description:
    "A configuration repository: one commit restoring the checkpoint's tree (history kept) or a hard reset, then an optional push.",
  // Compatibility rules in tags ("<=v1.4") answered from the captured tag lists, without git.
  satisfies: gitSatisfies,
};
