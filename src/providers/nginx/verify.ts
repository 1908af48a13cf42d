import { isBackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { includeTextFor } from "./apply.js";
import { readIfExists } from "./atomic-file.js";
import { pathsOf } from "./nginx-cli.js";
import { probeUntil, expectationFor } from "./probe.js";
import { readSettings, type NginxSettings } from "./settings.js";
import { stateParams } from "./step-params.js";

/**
 * Reached when the include holds exactly the step's state AND the live endpoint answers as
 * that state should (one probe). A file written but never reloaded (a crash between the two)
 * fails the probe when poolHeader or the maintenance status tells the states apart.
 */
export async function verifyNginx(ctx: ProviderContext<NginxSettings>, step: PlannedStep): Promise<boolean> {
  const settings = readSettings(ctx);
  const params = stateParams(step);
  const { include } = pathsOf(ctx, settings);
  let text: string | undefined;
  try {
    text = await readIfExists(include);
  } catch {
    return false;
  }
  if (text !== includeTextFor(ctx, settings, params)) return false;
  try {
    const probe = { ...settings.probe, retries: 0, confirmations: 1 };
    await probeUntil(ctx, probe, expectationFor(probe, params.pool, params.maintenance), step.id);
    return true;
  } catch (e) {
    if (isBackoutError(e) && e.code === "HEALTH_CHECK_FAILED") return false;
    throw e;
  }
}
