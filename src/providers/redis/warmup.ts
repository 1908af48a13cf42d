import { durationMs } from "../../config/durations.js";
import type { ProviderContext } from "../../core/provider.js";
import { runCommandOk } from "../../process/run-command.js";
import type { RedisSettings } from "./settings.js";

type Warmup = NonNullable<RedisSettings["warmup"]>;

/** Runs the warm-up program (argument array, no shell) from the environment file's directory. */
export async function runWarmup(
  ctx: ProviderContext<RedisSettings>,
  warmup: Warmup,
  scrub: (text: string) => string,
  step: string,
): Promise<string> {
  const redact = (t: string): string => ctx.redact(scrub(t));
  const out = await runCommandOk({
    argv: warmup.command,
    cwd: ctx.baseDir,
    env: { ...ctx.env, BACKOUT_COMPONENT: ctx.component.name },
    timeoutMs: durationMs(warmup.timeout),
    signal: ctx.signal,
    redact,
    where: { component: ctx.component.name, step },
  });
  return [out.stdout, out.stderr].filter((s) => s !== "").join("\n");
}
