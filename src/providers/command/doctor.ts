/** `backout doctor` for a command component: its capture command runs and prints a version. */
import { checked, type DoctorCheck } from "../../core/doctor-check.js";
import type { ProviderContext } from "../../core/provider.js";
import { captureCommand } from "./operations.js";
import type { CommandSettings } from "./settings.js";

export async function doctorCommand(ctx: ProviderContext<CommandSettings>): Promise<DoctorCheck[]> {
  return [
    await checked("capture", async () => `capture prints version ${(await captureCommand(ctx)).version}`),
  ];
}
