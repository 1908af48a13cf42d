import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BackoutError } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext, StepResult } from "../../core/provider.js";
import { type Head, readHead, remoteTip, short, treeOf } from "./facts.js";
import { commitMessage } from "./message.js";
import { type LocalState, pushCommit } from "./push.js";
import { openRepo, type Repo } from "./repo.js";
import { DEFAULT_AUTHOR, type GitSettings, readSettings } from "./settings.js";
import { type GitStepParams, gitParams } from "./step-params.js";
import { checkWorkingCopy, keptText } from "./working-copy.js";

/**
 * Pushes the target's tree (a new revert commit, or the target itself for a reset), then moves
 * the local branch: a push the remote refuses (it moved since the plan) leaves the working copy
 * where the plan found it. Safe to repeat: a revert commit an earlier attempt already pushed is
 * reused, and when HEAD already has the target's tree only a push the remote lacks is made.
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
  // Someone's edits are never overwritten, not even when HEAD is already right; untracked files
  // the move does not touch are kept.
  const { kept } = await checkWorkingCopy(repo, settings, head.sha, p.target);

  const lines: string[] = [];
  if (head.tree === p.targetTree) {
    lines.push(`HEAD ${short(head.sha)} already has the tree of ${short(p.target)}`);
    lines.push(await pushCommit(repo, p, head.sha, await movedEarlier(repo, p, head)));
  } else if (p.strategy === "revert") {
    const sha =
      (await pushedEarlier(repo, p, head)) ??
      (await commitTargetTree(repo, p, head, commitMessage(settings.message, messageValues(ctx, p))));
    // Pushed before the branch moves: a refused push leaves the working copy as it was.
    const pushed = await pushCommit(repo, p, sha, { sha: head.sha });
    await repo.run(["merge", "--ff-only", "--quiet", sha]);
    lines.push(
      `committed ${short(sha)}: the tree of ${short(p.target)} on top of ${short(head.sha)}`,
      pushed,
    );
  } else {
    const pushed = await pushCommit(repo, p, p.target, { sha: head.sha });
    await repo.run(["reset", "--hard", p.target]);
    lines.push(`reset --hard ${short(p.target)} (was ${short(head.sha)}; kept in the reflog)`, pushed);
  }
  const keptLine = keptText(kept);
  if (keptLine !== "") lines.push(keptLine);
  return { output: ctx.redact(lines.filter((l) => l !== "").join("\n")) };
}

/**
 * HEAD already has the target's tree. When an earlier attempt of this step moved the branch
 * (and then its push was refused), the branch can be put back to where the plan found it.
 */
async function movedEarlier(repo: Repo, p: GitStepParams, head: Head): Promise<LocalState> {
  const parent = await repo.ask(["rev-parse", "--verify", "--quiet", `${head.sha}^1`]);
  const ours = p.strategy === "reset" ? head.sha === p.target : parent.stdout === p.from;
  if (head.sha === p.from || !ours) return { sha: head.sha };
  return {
    sha: head.sha,
    restore: async () => {
      await repo.run(["reset", "--hard", p.from]);
      return true;
    },
  };
}

/** A revert commit an earlier attempt pushed before it crashed: the remote tip, on top of HEAD, with the target's tree. */
async function pushedEarlier(repo: Repo, p: GitStepParams, head: Head): Promise<string | undefined> {
  if (p.remote === null || p.branch === null) return undefined;
  const tip = await remoteTip(repo, p.remote, p.branch);
  if (tip === undefined || tip === head.sha) return undefined;
  const parent = await repo.ask(["rev-parse", "--verify", "--quiet", `${tip}^1`]);
  if (parent.exitCode !== 0 || parent.stdout !== head.sha) return undefined;
  return (await treeOf(repo, tip)) === p.targetTree ? tip : undefined;
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
    return await repo.run(["commit-tree", p.targetTree, "-p", head.sha, "-F", file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function messageValues(ctx: ProviderContext<GitSettings>, p: GitStepParams) {
  return { component: ctx.component.name, target: p.target, from: p.from };
}
