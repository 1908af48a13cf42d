import type { Provider } from "../../core/provider.js";
import { applyGit } from "./apply.js";
import { captureGit } from "./capture.js";
import { planGit } from "./plan.js";
import { gitSatisfies } from "./satisfies.js";
import { gitSettingsSchema, type GitSettings } from "./settings.js";
import { verifyGit } from "./verify.js";
import { doctorGit } from "./doctor.js";

export { gitSettingsSchema, type GitSettings } from "./settings.js";
export { gitSatisfies } from "./satisfies.js";
export type { GitDetails } from "./capture.js";

/** `git`: a configuration repository, rolled back by one revert commit (or a hard reset), optionally pushed. */
export const gitProvider: Provider<GitSettings> = {
  kind: "git",
  defaultLayer: "config",
  settingsSchema: gitSettingsSchema,
  description:
    "A configuration repository: one commit restoring the checkpoint's tree (history kept) or a hard reset, then an optional push.",
  capture: captureGit,
  plan: planGit,
  apply: applyGit,
  verify: verifyGit,
  doctor: doctorGit,
  // Compatibility rules in tags ("<=v1.4") answered from the captured tag lists, without git.
  satisfies: gitSatisfies,
};
