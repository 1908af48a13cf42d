import type { ProviderContext } from "../../core/provider.js";
import { runCommandOk } from "../../process/run-command.js";
import { releaseEnv } from "./release-env.js";
import type { ReleaseSettings } from "./settings.js";

export interface RestartRequest {
  command: string[];
  timeoutMs: number;
  release: string;
  releasePath: string;
  step?: string;
}

/** Runs the restart command in the release directory; the release is passed as env, never spliced into argv. */
export async function runRestart(
  ctx: ProviderContext<ReleaseSettings>,
  req: RestartRequest,
): Promise<string> {
  const out = await runCommandOk({
    argv: req.command,
    cwd: req.releasePath,
    env: releaseEnv(ctx, req.release, req.releasePath),
    timeoutMs: req.timeoutMs,
    signal: ctx.signal,
    redact: (t) => ctx.redact(t),
    where: { component: ctx.component.name, step: req.step },
  });
  return [out.stdout, out.stderr].filter((s) => s !== "").join("\n");
}
