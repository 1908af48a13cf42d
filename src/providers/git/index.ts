import type { Provider } from "../../core/provider.js";
import { applyGit } from "./apply.js";
import { captureGit } from "./capture.js";
import { planGit } from "./plan.js";
import type { GitSettings } from "./settings.js";
import { gitKind } from "./kind.js";
import { verifyGit } from "./verify.js";
import { doctorGit } from "./doctor.js";

export { gitSettingsSchema, type GitSettings } from "./settings.js";
export { gitSatisfies } from "./satisfies.js";
export type { GitDetails } from "./capture.js";

/** `git`: a configuration repository, rolled back by one revert commit (or a hard reset), optionally pushed. */
export const gitProvider: Provider<GitSettings> = {
  ...gitKind,
  capture: captureGit,
  plan: planGit,
  apply: applyGit,
  verify: verifyGit,
  doctor: doctorGit,
};
