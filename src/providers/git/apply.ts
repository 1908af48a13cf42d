import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext, StepResult } from "../../core/provider.js";
import { dirtyError, type Head, localChanges, readHead, short } from "./facts.js";
import { commitMessage } from "./message.js";
import { pushIfBehind } from "./push.js";
import { openRepo, type Repo } from "./repo.js";
import { DEFAULT_AUTHOR, type GitSettings, readSettings } from "./settings.js";
import { type GitStepParams, gitParams } from "./step-params.js";

/**
 * Brings HEAD to the target's tree, then pushes. Safe to repeat: when HEAD already has the
 * target's tree (an earlier attempt committed, then crashed) nothing is committed again and
 * only a push the remote still lacks is made.
 */
export async function applyGit(ctx: ProviderContext<GitSettings>, step: PlannedStep): Promise<StepResult> {
  const settings = readSettings(ctx);
  const p = gitParams(step);
  const author = settings.author ?? DEFAULT_AUTHOR;
  const repo = await openRepo(ctx, settings, {
    step: step.id,
    // Author and committer both: the host may have no user.name at all.
    env: {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    },
  });
  const head = await readHead(repo);
  if (p.branch !== null && head.branch !== p.branch) {
    throw new BackoutError("PLAN_INVALID", `${repo.dir} is no longer on branch "${p.branch}"`, {
      where: repo.where,
      hint: `Check out ${p.branch} again, or make a new plan.`,
    });
  }
  const changes = await localChanges(repo);
  // Someone's edits are never overwritten, not even when HEAD is already right.
  if (changes.length > 0) throw dirtyError(repo, changes);

  const lines: string[] = [];
  if (head.tree === p.targetTree) {
    lines.push(`HEAD ${short(head.sha)} already has the tree of ${short(p.target)}`);
  } else if (p.strategy === "revert") {
    const sha = await commitTargetTree(repo, p, head, commitMessage(settings.message, messageValues(ctx, p)));
    lines.push(`committed ${short(sha)}: the tree of ${short(p.target)} on top of ${short(head.sha)}`);
  } else {
    await repo.run(["reset", "--hard", p.target]);
    lines.push(`reset --hard ${short(p.target)} (was ${short(head.sha)}; kept in the reflog)`);
  }
  const pushed = await pushIfBehind(repo, p);
  if (pushed !== "") lines.push(pushed);
  return { output: ctx.redact(lines.join("\n")) };
}

/**
 * The commit is built from the target's tree object itself (commit-tree), so its tree equals
 * the target's exactly: files added since are gone, files deleted since are back. Only then
 * does a fast-forward move the branch and the files, in one git command.
 */
async function commitTargetTree(repo: Repo, p: GitStepParams, head: Head, message: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "backout-git-"));
  try {
    const file = join(dir, "message");
    await writeFile(file, message, { mode: 0o600 });
    const sha = await repo.run(["commit-tree", p.targetTree, "-p", head.sha, "-F", file]);
    await repo.run(["merge", "--ff-only", "--quiet", sha]);
    return sha;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function messageValues(ctx: ProviderContext<GitSettings>, p: GitStepParams) {
  return { component: ctx.component.name, target: p.target, from: p.from };
}
