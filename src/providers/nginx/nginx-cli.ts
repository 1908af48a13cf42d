import { durationMs } from "../../config/durations.js";
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { ProviderContext } from "../../core/provider.js";
import { type CommandOutput, runCommand } from "../../process/run-command.js";
import type { NginxSettings } from "./settings.js";

/** Absolute paths of everything the settings name. */
export interface NginxPaths {
  binary: string;
  config: string;
  prefix: string | undefined;
  include: string;
}

export function pathsOf(ctx: ProviderContext<NginxSettings>, s: NginxSettings): NginxPaths {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(ctx.baseDir, p));
  return {
    binary: s.nginx ?? findNginx(ctx.env.PATH),
    config: abs(s.config),
    prefix: s.prefix === undefined ? undefined : abs(s.prefix),
    include: abs(s.include),
  };
}

/** "nginx" on PATH, else /usr/sbin/nginx (often not on a non-root user's PATH on Debian). */
export function findNginx(pathVar: string | undefined): string {
  for (const dir of (pathVar ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "nginx");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return "/usr/sbin/nginx";
}

/** `nginx [-p prefix] -c config <args>`: the same instance for -t and -s reload. */
export function nginxArgv(paths: NginxPaths, args: string[]): string[] {
  const prefix = paths.prefix === undefined ? [] : ["-p", paths.prefix];
  return [paths.binary, ...prefix, "-c", paths.config, ...args];
}

export interface NginxRun {
  ctx: ProviderContext<NginxSettings>;
  settings: NginxSettings;
  paths: NginxPaths;
  step?: string;
}

/** Runs nginx with the component's -p/-c; resolves with the output whatever the exit code. */
export function runNginx(run: NginxRun, args: string[]): Promise<CommandOutput> {
  return runCommand({
    argv: nginxArgv(run.paths, args),
    env: run.ctx.env,
    timeoutMs: durationMs(run.settings.timeout),
    signal: run.ctx.signal,
    redact: (t) => run.ctx.redact(t),
    where: { component: run.ctx.component.name, step: run.step },
  });
}

/** nginx writes its verdict on stderr; keep the end, where the reason is. */
export function nginxSaid(out: CommandOutput): string {
  const text = [out.stderr, out.stdout].filter((s) => s !== "").join("\n");
  return text.length > 2000 ? `…${text.slice(-2000)}` : text;
}
