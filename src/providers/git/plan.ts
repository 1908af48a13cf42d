import { BackoutError } from "../../core/errors.js";
import type { ComponentState, Risk, StepSpec } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { assertOnBranch } from "./capture.js";
import {
  dirtyError,
  findCommit,
  type Head,
  isAncestor,
  localChanges,
  readHead,
  remoteTip,
  short,
  treeOf,
  unpushedSince,
} from "./facts.js";
import { openRepo, type Repo } from "./repo.js";
import { type GitSettings, pushTarget, readSettings } from "./settings.js";
import type { GitStepParams } from "./step-params.js";

const LOCAL_MS = 500;
const PUSH_MS = 3_000;

/**
 * One step: `revert-to` (a new commit whose tree is the target's) or `reset-to`. Nothing is
 * changed here; `git ls-remote` is the only network call. Returns [] when HEAD already has
 * the target's tree, the copy is clean and the remote (if pushed to) has HEAD.
 */
export async function planGit(
  ctx: ProviderContext<GitSettings>,
  current: ComponentState,
  target: ComponentState,
): Promise<StepSpec[]> {
  const settings = readSettings(ctx);
  const repo = await openRepo(ctx, settings);
  const head = await readHead(repo);
  assertOnBranch(repo, settings, head, "PLAN_INVALID");
  const targetSha = await requireCommit(repo, target.version);
  const targetTree = await treeOf(repo, targetSha);
  const remote = pushTarget(settings);
  const branch = head.branch ?? null;
  if (remote !== undefined && branch === null) {
    throw new BackoutError("PLAN_INVALID", `${repo.dir} has a detached HEAD; there is no branch to push`, {
      where: repo.where,
      hint: "Check out the branch the remote deploys from, or set push: false.",
    });
  }
  const remoteSha =
    remote !== undefined && branch !== null ? await remoteTip(repo, remote, branch) : undefined;
  const changes = await localChanges(repo);
  const treeReached = head.tree === targetTree;
  if (treeReached && changes.length === 0 && (remote === undefined || remoteSha === head.sha)) return [];
  if (changes.length > 0) throw dirtyError(repo, changes);
  if (remote !== undefined && remoteSha !== undefined) {
    await assertRemoteNotAhead(repo, head, settings.strategy, remote, remoteSha);
  }
  if (settings.strategy === "revert" && !treeReached && !(await isAncestor(repo, targetSha, head.sha))) {
    throw new BackoutError(
      "PLAN_INVALID",
      `${short(targetSha)} is not an ancestor of HEAD ${short(head.sha)}`,
      {
        where: repo.where,
        hint: "A revert goes back along this branch's history; check out the branch the checkpoint was taken on, or use strategy: reset.",
      },
    );
  }

  const params: GitStepParams = {
    strategy: settings.strategy,
    target: targetSha,
    targetTree,
    from: head.sha,
    branch,
    remote: remote ?? null,
    remoteSha: remoteSha ?? null,
  };
  const pushText = remote === undefined ? "" : `, then push to ${remote}/${branch ?? ""}`;
  const was = `was ${short(current.version)}`;
  const revert = settings.strategy === "revert";
  return [
    {
      action: revert ? "revert-to" : "reset-to",
      description: revert
        ? `commit the tree of ${short(targetSha)} on top of ${short(head.sha)} in ${ctx.component.name} (${was})${pushText}`
        : `git reset --hard ${short(targetSha)} in ${ctx.component.name} (${was})${pushText}`,
      target: { version: targetSha, details: { tree: targetTree } },
      params: { ...params },
      risk: revert
        ? { dataLoss: false, summary: "one new commit restores the old tree; history kept" }
        : await resetRisk(repo, targetSha, remoteSha, remote),
      reversible: true,
      estimateMs: LOCAL_MS + (remote === undefined ? 0 : PUSH_MS),
    },
  ];
}

async function requireCommit(repo: Repo, version: string): Promise<string> {
  const sha = await findCommit(repo, version);
  if (sha !== undefined) return sha;
  throw new BackoutError("PLAN_INVALID", `commit ${JSON.stringify(version)} is not in ${repo.dir}`, {
    where: repo.where,
    hint: "fetch? The commit may only exist on the remote (`git fetch` in the working copy); otherwise pick another checkpoint.",
  });
}

/**
 * Rolling back a stale copy would push on top of (revert) or force away (reset) commits others
 * pushed. A reset may move away from a remote tip this copy knows (a reset already done here).
 */
async function assertRemoteNotAhead(
  repo: Repo,
  head: Head,
  strategy: GitSettings["strategy"],
  remote: string,
  remoteSha: string,
): Promise<void> {
  if (remoteSha === head.sha) return;
  const known = (await findCommit(repo, remoteSha)) !== undefined;
  if (known && (strategy === "reset" || (await isAncestor(repo, remoteSha, head.sha)))) return;
  throw new BackoutError(
    "PLAN_INVALID",
    `${remote}/${head.branch ?? ""} has commits this working copy lacks`,
    {
      where: repo.where,
      hint: `Bring the working copy up to date (git pull --ff-only ${remote}) and plan again.`,
      details: { remoteSha },
    },
  );
}

/** A reset loses only what exists nowhere else: commits after the target that no remote branch has. */
async function resetRisk(
  repo: Repo,
  target: string,
  remoteSha: string | undefined,
  remote: string | undefined,
): Promise<Risk> {
  const unpushed = await unpushedSince(repo, target, remoteSha);
  if (unpushed.length === 0) {
    // Say what the force-push really does: it removes the commits from the remote branch.
    const summary =
      remote === undefined
        ? `rewrites history here; the commits after ${short(target)} stay on the remote branches that have them (nothing is pushed)`
        : `rewrites history; the force-push (with a lease) removes the commits after ${short(target)} from the branch on ${remote}: they remain there only if another ref has them (otherwise the remote's gc deletes them), and in clones`;
    return { dataLoss: false, summary };
  }
  return {
    dataLoss: true,
    summary: `rewrites history; ${unpushed.length} commit(s) after ${short(target)} were never pushed anywhere and will only remain in the reflog`,
  };
}
