import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { PlannedStep } from "../../../src/core/model.js";
import type { ProviderContext } from "../../../src/core/provider.js";
import { releaseProvider, type ReleaseSettings } from "../../../src/providers/release/index.js";
import { planned } from "../context.js";

/**
 * Makes <root>/releases/<name>/ for each name and points <root>/current at `current`
 * (default: the last name; null: no link) with a relative link.
 */
export function makeReleases(
  root: string,
  names: string[],
  current: string | null | undefined = names.at(-1),
): void {
  for (const n of names) mkdirSync(join(root, "releases", n), { recursive: true });
  if (current !== null && current !== undefined) symlinkSync(`releases/${current}`, join(root, "current"));
}

/** The one step planned from release `from` to `to`, ready to apply. */
export async function stepTo(
  ctx: ProviderContext<ReleaseSettings>,
  from: string,
  to: string,
): Promise<PlannedStep> {
  const [spec] = await releaseProvider.plan(ctx, { version: from }, { version: to });
  if (spec === undefined) throw new Error("expected a step");
  return planned(ctx, spec);
}
