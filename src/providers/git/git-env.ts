import type { SimpleGitOptions } from "simple-git";

type UnsafeFlags = SimpleGitOptions["unsafe"];

/**
 * Interactive helpers backout never wants (it never opens an editor or a pager). simple-git
 * refuses to run with them in the environment, so they are dropped rather than allowed.
 */
const DROPPED = new Set([
  "EDITOR",
  "VISUAL",
  "GIT_EDITOR",
  "GIT_SEQUENCE_EDITOR",
  "PAGER",
  "GIT_PAGER",
  "GIT_EXTERNAL_DIFF",
  "GIT_TEMPLATE_DIR",
  "PREFIX",
]);

/**
 * Variables the operator may need for pushing (an ssh key, a credential prompt helper, a
 * config file). They come from backout's own environment, never from a checkpoint or a
 * plan, so the matching simple-git check is switched off only when one is present.
 */
const TRUSTED: Record<string, keyof NonNullable<UnsafeFlags>> = {
  GIT_SSH: "allowUnsafeSshCommand",
  GIT_SSH_COMMAND: "allowUnsafeSshCommand",
  GIT_ASKPASS: "allowUnsafeAskPass",
  SSH_ASKPASS: "allowUnsafeAskPass",
  GIT_PROXY_COMMAND: "allowUnsafeGitProxy",
  GIT_CONFIG: "allowUnsafeConfigPaths",
  GIT_CONFIG_GLOBAL: "allowUnsafeConfigPaths",
  GIT_CONFIG_SYSTEM: "allowUnsafeConfigPaths",
  GIT_EXEC_PATH: "allowUnsafeConfigPaths",
  GIT_CONFIG_COUNT: "allowUnsafeConfigEnvCount",
};

export interface GitEnv {
  env: Record<string, string>;
  unsafe: NonNullable<UnsafeFlags>;
}

/** The environment for git: ctx.env minus interactive helpers, never prompting on a terminal. */
export function gitEnv(base: Record<string, string | undefined>, extra: Record<string, string> = {}): GitEnv {
  const env: Record<string, string> = {};
  const unsafe: NonNullable<UnsafeFlags> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue;
    const upper = key.toUpperCase();
    if (DROPPED.has(upper)) continue;
    const flag = TRUSTED[upper];
    if (flag !== undefined) unsafe[flag] = true;
    env[key] = value;
  }
  // A push that needs a password must fail, not wait for someone to type it.
  env.GIT_TERMINAL_PROMPT = "0";
  return { env: { ...env, ...extra }, unsafe };
}
