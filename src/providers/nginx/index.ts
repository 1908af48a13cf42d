import type { Provider } from "../../core/provider.js";
import { applyNginx } from "./apply.js";
import { captureNginx } from "./capture.js";
import { planNginx, wrapNginx } from "./plan.js";
import type { NginxSettings } from "./settings.js";
import { nginxKind } from "./kind.js";
import { verifyNginx } from "./verify.js";
import { doctorNginx } from "./doctor.js";

export { nginxSettingsSchema, type NginxSettings } from "./settings.js";

/** `nginx`: blue/green pools and maintenance mode through one backout-owned include file and a graceful reload. */
export const nginxProvider: Provider<NginxSettings> = {
  ...nginxKind,
  capture: captureNginx,
  plan: planNginx,
  wrap: wrapNginx,
  apply: applyNginx,
  verify: verifyNginx,
  doctor: doctorNginx,
};
