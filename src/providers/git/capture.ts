import { BackoutError } from "../../core/errors.js";
import type { ComponentState } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { type Head, readHead } from "./facts.js";
import { openRepo, type Repo } from "./repo.js";
import { type GitSettings, readSettings } from "./settings.js";

/** What a git component's state carries besides the commit: what gitSatisfies and plan read. */
export interface GitDetails {
  branch: string | null;
  /** `git describe --tags --always`: the nearest tag (or the short sha). */
  describe: string;
  /** Tags whose commit is HEAD or a descendant of it: "HEAD is at or before these". */
  tagsContaining: string[];
  /** Tags reachable from HEAD: "HEAD is at or after these". */
  tagsMerged: string[];
  tree: string;
}

/** The version is HEAD's full sha; the tag lists let compatibility rules speak in tags without git. */
export async function captureGit(ctx: ProviderContext<GitSettings>): Promise<ComponentState> {
  const settings = readSettings(ctx);
  const repo = await openRepo(ctx, settings);
  const head = await readHead(repo);
  assertOnBranch(repo, settings, head, "PROVIDER_FAILED");
  const details: GitDetails = {
    branch: head.branch ?? null,
    describe: await repo.run(["describe", "--tags", "--always"]),
    tagsContaining: lines(await repo.run(["tag", "--contains", "HEAD"])),
    tagsMerged: lines(await repo.run(["tag", "--merged", "HEAD"])),
    tree: head.tree,
  };
  return { version: head.sha, details: { ...details } };
}

/** With `branch` set, the working copy must be on it: anything else is someone's manual change. */
export function assertOnBranch(
  repo: Repo,
  settings: GitSettings,
  head: Head,
  code: "PROVIDER_FAILED" | "PLAN_INVALID",
): void {
  if (settings.branch === undefined || head.branch === settings.branch) return;
  const on = head.branch === undefined ? "a detached HEAD" : `branch "${head.branch}"`;
  throw new BackoutError(code, `${repo.dir} is on ${on}, not "${settings.branch}"`, {
    where: repo.where,
    hint: `Check out ${settings.branch} in the working copy (or change the component's branch setting).`,
  });
}

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}
