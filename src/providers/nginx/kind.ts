import type { ProviderKind } from "../lazy-provider.js";
import { nginxSettingsSchema } from "./settings.js";

/** What the configuration knows of `nginx` components before the provider itself is loaded. */
export const nginxKind: ProviderKind = {
  kind: "nginx",
  defaultLayer: "traffic",
  get settingsSchema() {
    return nginxSettingsSchema();
  },
  description:
    "nginx blue/green pools and maintenance mode: rewrites one include file atomically, nginx -t, nginx -s reload, then probes the live endpoint.",
};
