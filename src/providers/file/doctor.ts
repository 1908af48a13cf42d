/** `backout doctor` for a file component: every listed file readable, and the blob store writable. */
import { checked, type DoctorCheck } from "../../core/doctor-check.js";
import type { ProviderContext } from "../../core/provider.js";
import { captureFiles } from "./capture.js";
import type { FileSettings } from "./settings.js";

export async function doctorFiles(ctx: ProviderContext<FileSettings>): Promise<DoctorCheck[]> {
  return [
    await checked("files readable", async () => {
      const state = await captureFiles(ctx);
      return `captured (version ${state.version.slice(0, 12)})`;
    }),
  ];
}
