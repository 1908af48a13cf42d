/** `backout doctor` for HAProxy: the runtime API at admin level, the backend, the state file. */
import { access, constants } from "node:fs/promises";
import { dirname } from "node:path";
import { checked, fail, type DoctorCheck } from "../../core/doctor-check.js";
import type { ProviderContext } from "../../core/provider.js";
import { captureHaproxy } from "./capture.js";
import { apiFor, resolvePath } from "./live.js";
import { sendCommand } from "./runtime-api.js";
import { readSettings, type HaproxySettings } from "./settings.js";

export async function doctorHaproxy(ctx: ProviderContext<HaproxySettings>): Promise<DoctorCheck[]> {
  const settings = readSettings(ctx);
  const api = apiFor(ctx, settings);
  const checks: DoctorCheck[] = [];
  checks.push(
    await checked("socket level", async () => {
      const level = (await sendCommand(api, "show cli level")).trim();
      if (level === "admin") return `${api.socket} answers at level admin`;
      return fail(
        "socket level",
        `${api.socket} answers at level "${level}"; setting server states needs admin`,
        "Declare the socket with `stats socket <path> mode 600 level admin` in HAProxy's global section and reload it.",
      );
    }),
  );
  checks.push(
    await checked("backend", async () => {
      const state = await captureHaproxy(ctx);
      return `backend ${settings.backend}: ${state.version}`;
    }),
  );
  if (settings.stateFile !== undefined) {
    const file = resolvePath(ctx, settings.stateFile);
    checks.push(
      await checked("state file", async () => {
        try {
          await access(dirname(file), constants.W_OK);
          return `may rewrite ${file}`;
        } catch {
          return fail(
            "state file",
            `cannot write in ${dirname(file)}`,
            "Let backout's user write the server-state file's directory.",
          );
        }
      }),
    );
  }
  return checks;
}
