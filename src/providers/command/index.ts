import type { Provider } from "../../core/provider.js";
import { applyCommand, captureCommand, planCommand, verifyCommand } from "./operations.js";
import type { CommandSettings } from "./settings.js";
import { commandKind } from "./kind.js";
import { doctorCommand } from "./doctor.js";

export { commandSettingsSchema, type CommandSettings } from "./settings.js";

/** `command`: anything with a command line, driven through argument arrays (never a shell). */
export const commandProvider: Provider<CommandSettings> = {
  ...commandKind,
  capture: captureCommand,
  plan: planCommand,
  apply: applyCommand,
  verify: verifyCommand,
  doctor: doctorCommand,
};
