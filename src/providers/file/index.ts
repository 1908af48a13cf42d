import type { Provider } from "../../core/provider.js";
import { applyFiles } from "./apply.js";
import { captureFiles } from "./capture.js";
import { planFiles } from "./plan.js";
import type { FileSettings } from "./settings.js";
import { fileKind } from "./kind.js";
import { verifyFiles } from "./verify.js";
import { doctorFiles } from "./doctor.js";

export { fileSettingsSchema, type FileSettings } from "./settings.js";

/** `file`: plain files kept as content-addressed copies and restored atomically, then an optional reload. */
export const fileProvider: Provider<FileSettings> = {
  ...fileKind,
  capture: captureFiles,
  plan: planFiles,
  apply: applyFiles,
  verify: verifyFiles,
  doctor: doctorFiles,
};
