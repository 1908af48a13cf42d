import type { Provider } from "../../core/provider.js";
import { applyCommand, captureCommand, planCommand, verifyCommand } from "./operations.js";
import { commandSettingsSchema, type CommandSettings } from "./settings.js";
import { doctorCommand } from "./doctor.js";

export { commandSettingsSchema, type CommandSettings } from "./settings.js";

/** `command`: anything with a command line, driven through argument arrays (never a shell). */
export const commandProvider: Provider<CommandSettings> = {
  kind: "command",
  defaultLayer: "app",
  settingsSchema: commandSettingsSchema,
  description:
    "Any tool with a command line: capture prints the version, apply gets {{target}} and BACKOUT_TARGET_VERSION, verify exits 0.",
  capture: captureCommand,
  plan: planCommand,
  apply: applyCommand,
  verify: verifyCommand,
  doctor: doctorCommand,
};
