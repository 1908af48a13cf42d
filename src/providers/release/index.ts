import type { Provider } from "../../core/provider.js";
import { applyRelease } from "./apply.js";
import { captureRelease } from "./capture.js";
import { doctorRelease } from "./doctor.js";
import { planRelease } from "./plan.js";
import { releaseSettingsSchema, type ReleaseSettings } from "./settings.js";
import { verifyRelease } from "./verify.js";

export { releaseSettingsSchema, type ReleaseSettings } from "./settings.js";

/** `release`: Capistrano-style releases/<name> directories and an atomically swapped `current` symlink. */
export const releaseProvider: Provider<ReleaseSettings> = {
  kind: "release",
  defaultLayer: "app",
  settingsSchema: releaseSettingsSchema,
  description:
    "Release directories (releases/<name>) with an atomic `current` symlink swap, then an optional restart and health check.",
  capture: captureRelease,
  plan: planRelease,
  apply: applyRelease,
  verify: verifyRelease,
  doctor: doctorRelease,
};
