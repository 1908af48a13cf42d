import { BackoutError } from "../../core/errors.js";
import type { ComponentState, StepSpec } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { assertOnBranch } from "./capture.js";
import { commitsAtRisk, resetRisk } from "./at-risk.js";
import {
  findCommit,
  type Head,
  isAncestor,
  readHead,
  remoteTip,
  short,
  trackedChanges,
  treeOf,
} from "./facts.js";
import { openRepo, type Repo } from "./repo.js";
import { type GitSettings, pushTarget, readSettings } from "./settings.js";
import type { GitStepParams } from "./step-params.js";
import { checkWorkingCopy, keptText } from "./working-copy.js";

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
  const treeReached = head.tree === targetTree;
  const clean = (await trackedChanges(repo)).length === 0;
  if (treeReached && clean && (remote === undefined || remoteSha === head.sha)) return [];
  const { kept } = await checkWorkingCopy(repo, settings, head.sha, targetSha);
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
        : resetRisk(
            targetSha,
            await commitsAtRisk(repo, targetSha, { branch: head.branch, pushTo: remote }),
            remote,
            (t) => ctx.redact(t),
          ),
      reversible: true,
      estimateMs: LOCAL_MS + (remote === undefined ? 0 : PUSH_MS),
      ...(kept.length > 0 ? { measured: ctx.redact(keptText(kept)) } : {}),
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
