import type { ProviderKind } from "../lazy-provider.js";
import { haproxySettingsSchema } from "./settings.js";

/** What the configuration knows of `haproxy` components before the provider itself is loaded. */
export const haproxyKind: ProviderKind = {
  kind: "haproxy",
  defaultLayer: "traffic",
  get settingsSchema() {
    return haproxySettingsSchema();
  },
  description:
    "HAProxy server states (ready/drain/maint) and weights through the runtime API socket, persisted in the server-state file; traffic leaves in a pre step and comes back in a post step.",
};
