import type { ProviderContext } from "../../core/provider.js";
import type { ReleaseSettings } from "./settings.js";

/** Environment of the restart and health commands: ctx.env (it carries the nesting guard) plus the release. */
export function releaseEnv(
  ctx: ProviderContext<ReleaseSettings>,
  release: string,
  releasePath: string,
): Record<string, string | undefined> {
  return {
    ...ctx.env,
    BACKOUT_COMPONENT: ctx.component.name,
    BACKOUT_RELEASE: release,
    BACKOUT_RELEASE_PATH: releasePath,
  };
}
