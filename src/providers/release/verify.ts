import { isBackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { checkHealth } from "./health.js";
import { isDirectory, layoutOf, readCurrent, releaseDir } from "./layout.js";
import { readPending } from "./pending.js";
import { releaseEnv } from "./release-env.js";
import { readSettings, type ReleaseSettings } from "./settings.js";
import { switchParams } from "./step-params.js";

/** Reached when `current` points at the step's (existing) release and (if configured) one health probe passes. */
export async function verifyRelease(
  ctx: ProviderContext<ReleaseSettings>,
  step: PlannedStep,
): Promise<boolean> {
  const settings = readSettings(ctx);
  const { release, path } = switchParams(step);
  const layout = layoutOf(ctx.baseDir, path);
  let current;
  try {
    current = await readCurrent(layout);
  } catch {
    return false; // not a symlink: certainly not at the target
  }
  if (current?.release !== release) return false;
  // Swapped, but its restart or health check never passed.
  if ((await readPending(layout))?.to === release) return false;
  const dir = releaseDir(layout, release);
  // A link to a pruned release is not a reached target.
  if (!(await isDirectory(dir))) return false;
  if (!settings.health) return true;
  try {
    await checkHealth(ctx, {
      health: settings.health,
      env: releaseEnv(ctx, release, dir),
      cwd: dir,
      retries: 0,
      step: step.id,
    });
    return true;
  } catch (e) {
    if (isBackoutError(e) && e.code === "HEALTH_CHECK_FAILED") return false;
    throw e;
  }
}
