import * as z from "zod";
import { DURATION_HELP, durationSetting } from "../../config/schema-parts.js";
import type { ProviderContext } from "../../core/provider.js";
import { lazily } from "../../core/lazily.js";
import { readProviderSettings } from "../../core/provider-settings.js";

function buildSchema() {
  /**
   * Branch and remote names reach git as arguments. Argument arrays already keep them away
   * from a shell; refusing a leading "-" also keeps them from being read as git options.
   */
  const refName = z
    .string()
    .min(1)
    .regex(/^(?!-)[^\s~^:?*[\\\0]+$/, "must be a plain git name (no spaces, ~^:?*[\\, not starting with -)")
    .refine((s) => !s.includes("..") && !s.includes("@{") && !s.endsWith(".lock") && !s.endsWith("/"), {
      message: "is not a valid git ref name",
    });

  const authorSchema = z
    .strictObject({
      name: z.string().min(1).describe("Author and committer name of revert commits."),
      email: z.string().min(1).describe("Author and committer email of revert commits."),
    })
    .describe('Identity of the revert commits; default "backout <backout@localhost>".');

  return z
    .strictObject({
      repo: z.string().min(1).describe("Path of the working copy (relative: to the environment file)."),
      branch: refName
        .optional()
        .describe("Branch the working copy must be on (default: whatever it is on; pushes go to it)."),
      strategy: z
        .enum(["revert", "reset"])
        .default("revert")
        .describe(
          "revert: one new commit restoring the target's tree (history kept, GitOps-friendly); reset: `git reset --hard` to the target (rewrites history).",
        ),
      remote: refName.optional().describe('Remote to push the result to, e.g. "origin".'),
      push: z.boolean().optional().describe("Push after the rollback (default: true when remote is set)."),
      author: authorSchema.optional(),
      untracked: z
        .enum(["touched", "any"])
        .default("touched")
        .describe(
          "Which untracked files refuse a rollback: touched (default) only those at paths it writes or removes, the others are kept and reported; any: every untracked file.",
        ),
      message: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Revert commit message; {{component}}, {{target}}, {{short}} and {{from}} are replaced (default: a one-line summary naming the target).",
        ),
      timeout: durationSetting({ allowZero: false })
        .default("2m")
        .describe(
          `How long a git command may stay silent before it is killed (push and ls-remote talk to the network): ${DURATION_HELP}. Default 2m.`,
        ),
    })
    .refine((s) => s.push !== true || s.remote !== undefined, {
      message: "push: true needs a remote",
      path: ["push"],
    })
    .describe(
      "A configuration repository rolled back by a revert commit (or a hard reset), optionally pushed.",
    );
}

/** Built on its first use: `backout status` on an environment without git components never builds it. */
export const gitSettingsSchema = lazily(buildSchema);

export type GitSettings = z.output<ReturnType<typeof gitSettingsSchema>>;

export const DEFAULT_AUTHOR = { name: "backout", email: "backout@localhost" } as const;

/** Whether to push, resolved: an explicit `push` wins; otherwise a remote means yes. */
export function pushTarget(s: GitSettings): string | undefined {
  if (s.remote === undefined) return undefined;
  return (s.push ?? true) ? s.remote : undefined;
}

/** Parse again: applies defaults for hand-built components and checks what we were given. */
export function readSettings(ctx: ProviderContext<GitSettings>): GitSettings {
  return readProviderSettings(gitSettingsSchema(), "git", ctx);
}
