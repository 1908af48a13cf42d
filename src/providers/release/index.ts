import type { Provider } from "../../core/provider.js";
import { applyRelease } from "./apply.js";
import { captureRelease } from "./capture.js";
import { doctorRelease } from "./doctor.js";
import { planRelease } from "./plan.js";
import type { ReleaseSettings } from "./settings.js";
import { releaseKind } from "./kind.js";
import { verifyRelease } from "./verify.js";

export { releaseSettingsSchema, type ReleaseSettings } from "./settings.js";

/** `release`: Capistrano-style releases/<name> directories and an atomically swapped `current` symlink. */
export const releaseProvider: Provider<ReleaseSettings> = {
  ...releaseKind,
  capture: captureRelease,
  plan: planRelease,
  apply: applyRelease,
  verify: verifyRelease,
  doctor: doctorRelease,
};
