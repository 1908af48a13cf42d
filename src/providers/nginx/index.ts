import type { Provider } from "../../core/provider.js";
import { applyNginx } from "./apply.js";
import { captureNginx } from "./capture.js";
import { planNginx, wrapNginx } from "./plan.js";
import { nginxSettingsSchema, type NginxSettings } from "./settings.js";
import { verifyNginx } from "./verify.js";
import { doctorNginx } from "./doctor.js";

export { nginxSettingsSchema, type NginxSettings } from "./settings.js";

/** `nginx`: blue/green pools and maintenance mode through one backout-owned include file and a graceful reload. */
export const nginxProvider: Provider<NginxSettings> = {
  kind: "nginx",
  defaultLayer: "traffic",
  settingsSchema: nginxSettingsSchema,
  description:
    "nginx blue/green pools and maintenance mode: rewrites one include file atomically, nginx -t, nginx -s reload, then probes the live endpoint.",
  capture: captureNginx,
  plan: planNginx,
  wrap: wrapNginx,
  apply: applyNginx,
  verify: verifyNginx,
  doctor: doctorNginx,
};
