import type { ComponentState, PlannedStep } from "../../../src/core/model.js";
import type { ProviderContext } from "../../../src/core/provider.js";
import { gitProvider, type GitSettings } from "../../../src/providers/git/index.js";
import { GIT_TEST_ENV } from "../../support/git.js";
import { contextFor, planned } from "../context.js";

/**
 * A context for the git provider. The environment carries what simple-git would refuse
 * (EDITOR, PAGER) and what an operator may set (GIT_CONFIG_GLOBAL), as a real shell would.
 */
export function gitContext(baseDir: string, settings: Record<string, unknown>, name = "cfg") {
  return contextFor(gitProvider, {
    name,
    baseDir,
    settings,
    env: { ...process.env, ...GIT_TEST_ENV, EDITOR: "vi", PAGER: "less", GIT_PAGER: "cat" },
  });
}

/** Plans from the live state to `target` and returns the single planned step. */
export async function planOne(ctx: ProviderContext<GitSettings>, target: string): Promise<PlannedStep> {
  const current: ComponentState = await gitProvider.capture(ctx);
  const steps = await gitProvider.plan(ctx, current, { version: target });
  const [spec] = steps;
  if (spec === undefined || steps.length !== 1) throw new Error(`expected one step, got ${steps.length}`);
  return planned(ctx, spec);
}
