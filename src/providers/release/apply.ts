import { durationMs } from "../../config/durations.js";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext, StepResult } from "../../core/provider.js";
import { checkHealth } from "./health.js";
import { isErrno } from "../../fs/errno.js";
import { type CurrentLink, type Layout, layoutOf, readCurrent, releaseDir } from "./layout.js";
import { clearPending, markPending } from "./pending.js";
import { assertReleaseUsable } from "./plan.js";
import { releaseEnv } from "./release-env.js";
import { runRestart } from "./restart.js";
import { readSettings, type ReleaseSettings } from "./settings.js";
import { switchParams } from "./step-params.js";
import { swapCurrent } from "./swap.js";

const OUTPUT_TAIL = 2000;

/**
 * Swap (unless `current` is already there), restart, check health. Safe to repeat: a second
 * run finds the link in place and only restarts and checks again. Never deletes a release.
 */
export async function applyRelease(
  ctx: ProviderContext<ReleaseSettings>,
  step: PlannedStep,
): Promise<StepResult> {
  const settings = readSettings(ctx);
  const { release, path } = switchParams(step);
  const layout = layoutOf(ctx.baseDir, path);
  const where: ErrorLocation = { component: ctx.component.name, step: step.id };
  if (ctx.signal.aborted)
    throw new BackoutError("STEP_CANCELLED", "step cancelled before the swap", { where });
  // The directory may have been pruned between plan and apply; swapping to it would break the site.
  await assertReleaseUsable(where, layout, release);
  const dir = releaseDir(layout, release);

  const before = await currentOrFail(layout, where);
  const lines: string[] = [];
  // Until restart and health pass, the running release is still the old one: say so on disk.
  const guarded = settings.restart !== undefined || settings.health !== undefined;
  if (guarded && before?.release !== release)
    await markPending(layout, { from: before?.release, to: release });
  if (before?.release === release) {
    lines.push(`current already at releases/${release}`);
  } else {
    await swapOrFail(layout, release, where);
    lines.push(`current → releases/${release} (was ${before?.link ?? "missing"})`);
  }

  if (settings.restart) {
    const out = await runRestart(ctx, {
      command: settings.restart.command,
      timeoutMs: durationMs(settings.restart.timeout),
      release,
      releasePath: dir,
      step: step.id,
    });
    lines.push(out === "" ? "restarted" : `restart: ${out}`);
  }
  if (settings.health) {
    await checkHealth(ctx, {
      health: settings.health,
      env: releaseEnv(ctx, release, dir),
      cwd: dir,
      retries: settings.health.retries,
      step: step.id,
    });
    lines.push("healthy");
  }
  if (guarded) await clearPending(layout);
  const text = ctx.redact(lines.join("\n"));
  return { output: text.length > OUTPUT_TAIL ? `…${text.slice(-OUTPUT_TAIL)}` : text };
}

async function currentOrFail(layout: Layout, where: ErrorLocation): Promise<CurrentLink | undefined> {
  try {
    return await readCurrent(layout);
  } catch (e) {
    throw fsFailure(e, `cannot read ${layout.current}`, where);
  }
}

async function swapOrFail(layout: Layout, release: string, where: ErrorLocation): Promise<void> {
  try {
    await swapCurrent(layout, release);
  } catch (e) {
    throw fsFailure(e, `cannot point ${layout.current} at releases/${release}`, where);
  }
}

/** Permission problems and a `current` that is a real directory will not fix themselves; other I/O errors might. */
function fsFailure(e: unknown, message: string, where: ErrorLocation): BackoutError {
  const permanent = ["EACCES", "EPERM", "EISDIR", "ENOTDIR", "EINVAL", "EROFS"].find((c) => isErrno(e, c));
  const reason = e instanceof Error ? e.message : String(e);
  return new BackoutError("PROVIDER_FAILED", `${message}: ${reason}`, {
    where,
    cause: e,
    retryable: permanent === undefined,
    hint:
      permanent === "EISDIR" || permanent === "EINVAL"
        ? "`current` must be a symlink to releases/<name>, not a directory; move it into releases/ and link it."
        : "Check that backout may write the application directory.",
  });
}
