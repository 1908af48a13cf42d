import { durationMs } from "../../config/durations.js";
import { isAbsolute, resolve } from "node:path";
import type { ErrorLocation } from "../../core/errors.js";
import type { ProviderContext } from "../../core/provider.js";
import { type CommandOutput, runCommand, runCommandOk } from "../../process/run-command.js";
import type { CommandSettings } from "./settings.js";

export interface Versions {
  current?: string;
  target?: string;
}

export interface Invocation {
  argv: string[];
  versions: Versions;
  step?: string;
  /** Treat a non-zero exit as COMMAND_FAILED (retryable). */
  ok: boolean;
}

/**
 * Runs one of the component's commands: ctx.env (with the nesting guard) under the settings'
 * env, under backout's own BACKOUT_* variables; cwd and timeout from the settings.
 */
export function runComponentCommand(
  ctx: ProviderContext<CommandSettings>,
  settings: CommandSettings,
  inv: Invocation,
): Promise<CommandOutput> {
  const where: ErrorLocation = { component: ctx.component.name, step: inv.step };
  const run = inv.ok ? runCommandOk : runCommand;
  return run({
    argv: inv.argv,
    cwd: cwdOf(ctx.baseDir, settings.cwd),
    env: childEnv(ctx, settings, inv.versions),
    timeoutMs: durationMs(settings.timeout),
    signal: ctx.signal,
    redact: (t) => ctx.redact(t),
    where,
  });
}

function cwdOf(baseDir: string, cwd: string | undefined): string {
  if (cwd === undefined) return baseDir;
  return isAbsolute(cwd) ? cwd : resolve(baseDir, cwd);
}

function childEnv(
  ctx: ProviderContext<CommandSettings>,
  settings: CommandSettings,
  versions: Versions,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    ...ctx.env,
    ...settings.env,
    BACKOUT_COMPONENT: ctx.component.name,
  };
  if (versions.target !== undefined) env.BACKOUT_TARGET_VERSION = versions.target;
  if (versions.current !== undefined) env.BACKOUT_CURRENT_VERSION = versions.current;
  return env;
}
