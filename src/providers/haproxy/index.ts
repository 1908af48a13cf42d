import type { Provider } from "../../core/provider.js";
import { applyHaproxy } from "./apply.js";
import { captureHaproxy } from "./capture.js";
import { planHaproxy, wrapHaproxy } from "./plan.js";
import type { HaproxySettings } from "./settings.js";
import { haproxyKind } from "./kind.js";
import { verifyHaproxy } from "./verify.js";
import { doctorHaproxy } from "./doctor.js";

export { haproxySettingsSchema, type HaproxySettings } from "./settings.js";

/**
 * `haproxy`: server states and weights of one backend, through the runtime API socket.
 * For the changes to survive a reload, HAProxy's configuration loads the file `stateFile` names:
 *
 *     global
 *       stats socket /run/haproxy/admin.sock mode 600 level admin
 *       server-state-file /var/lib/haproxy/server-state
 *     defaults
 *       load-server-state-from-file global
 */
export const haproxyProvider: Provider<HaproxySettings> = {
  ...haproxyKind,
  capture: captureHaproxy,
  plan: planHaproxy,
  wrap: wrapHaproxy,
  apply: applyHaproxy,
  verify: verifyHaproxy,
  doctor: doctorHaproxy,
};
