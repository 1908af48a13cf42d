import { durationMs } from "../../config/durations.js";
import { readdir } from "node:fs/promises";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { ComponentState, StepSpec } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { isDirectory, type Layout, layoutOf, releaseDir, releaseNameProblem } from "./layout.js";
import { readSettings, type ReleaseSettings } from "./settings.js";

// Guesses for the plan's estimate: a swap is instant; a restart and first health probe are not.
const SWAP_MS = 100;
const RESTART_GUESS_MS = 10_000;
const HEALTH_GUESS_MS = 1_000;

/** One symlink swap, refused up front when the target release is gone. */
export async function planRelease(
  ctx: ProviderContext<ReleaseSettings>,
  current: ComponentState,
  target: ComponentState,
): Promise<StepSpec[]> {
  if (current.version === target.version) return [];
  const settings = readSettings(ctx);
  const layout = layoutOf(ctx.baseDir, settings.path);
  const name = target.version;
  await assertReleaseUsable({ component: ctx.component.name }, layout, name);
  const restartMs = settings.restart ? Math.min(durationMs(settings.restart.timeout), RESTART_GUESS_MS) : 0;
  return [
    {
      action: "switch-release",
      description: `switch ${ctx.component.name} current → releases/${name} (was ${current.version})`,
      target: {
        version: name,
        details: { releasesDir: layout.releasesDir, target: releaseDir(layout, name) },
      },
      // What apply runs after the swap, for the reviewer and the hash. apply takes it from the
      // settings, which the executor has shown are the planned ones (PLAN_STALE otherwise); secret
      // values never enter a plan.
      params: {
        release: name,
        path: layout.root,
        ...(settings.restart
          ? { restart: { argv: settings.restart.command, timeout: settings.restart.timeout } }
          : {}),
        ...(settings.health ? { health: settings.health } : {}),
      },
      risk: { dataLoss: false, summary: "symlink swap; previous release kept" },
      reversible: true,
      estimateMs: SWAP_MS + restartMs + (settings.health ? HEALTH_GUESS_MS : 0),
    },
  ];
}

/** PLAN_INVALID (never retryable) when the name is not a release directory name or the directory is missing. */
export async function assertReleaseUsable(where: ErrorLocation, layout: Layout, name: string): Promise<void> {
  const problem = releaseNameProblem(name);
  if (problem !== undefined) {
    throw new BackoutError("PLAN_INVALID", `release name ${JSON.stringify(name)} ${problem}`, {
      where,
      hint: "A release is one directory directly under releases/; pick a checkpoint whose release is a plain directory name.",
    });
  }
  const dir = releaseDir(layout, name);
  if (await isDirectory(dir)) return;
  const available = await listReleases(layout);
  throw new BackoutError("PLAN_INVALID", `release "${name}" is missing: ${dir}`, {
    where,
    hint: `The release directory is gone (was it pruned?); restore it or pick another checkpoint. Available: ${
      available.length > 0 ? available.join(", ") : "none"
    }.`,
    details: { releasesDir: layout.releasesDir, available },
  });
}

async function listReleases(layout: Layout): Promise<string[]> {
  try {
    const entries = await readdir(layout.releasesDir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .slice(-20);
  } catch {
    return [];
  }
}
