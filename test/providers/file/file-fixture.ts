import type { PlannedStep } from "../../../src/core/model.js";
import type { ProviderContext } from "../../../src/core/provider.js";
import { fileProvider, type FileSettings } from "../../../src/providers/file/index.js";
import type { ComponentState } from "../../../src/core/model.js";
import { contextFor, planned } from "../context.js";

export function fileContext(
  baseDir: string,
  settings: Record<string, unknown>,
  env?: Record<string, string>,
) {
  return contextFor(fileProvider, { name: "conf", baseDir, settings, env: { ...process.env, ...env } });
}

/** Plans from the live files to `target`; undefined when nothing needs restoring. */
export async function planTo(
  ctx: ProviderContext<FileSettings>,
  target: ComponentState,
): Promise<PlannedStep | undefined> {
  const steps = await fileProvider.plan(ctx, await fileProvider.capture(ctx), target);
  if (steps.length > 1) throw new Error(`expected at most one step, got ${steps.length}`);
  const [spec] = steps;
  return spec === undefined ? undefined : planned(ctx, spec);
}
