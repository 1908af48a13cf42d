import { BackoutError, isBackoutError } from "../../core/errors.js";
import { remoteTip, short } from "./facts.js";
import type { Repo } from "./repo.js";
import type { GitStepParams } from "./step-params.js";

const REJECTED =
  /rejected\]|\(stale info\)|non-fast-forward|fetch first|failed to update ref|cannot lock ref/;

/** What the local branch looks like when a push is refused, and how it is put back. */
export interface LocalState {
  /** The local branch tip now. */
  sha: string;
  /** Put the local branch back where the plan found it (when this step moved it); returns whether it did. */
  restore?: () => Promise<boolean>;
}

/**
 * Pushes `commit` to remote/branch unless the remote already has it (so a repeat is a no-op).
 * A revert is a normal fast-forward push; a reset is forced, with the tip seen at plan time as
 * the lease, so commits someone pushed since then are never overwritten. Callers push BEFORE
 * moving the local branch, so a refusal leaves the working copy where the plan found it.
 */
export async function pushCommit(
  repo: Repo,
  p: GitStepParams,
  commit: string,
  local: LocalState,
): Promise<string> {
  if (p.remote === null || p.branch === null) return "";
  const tip = await remoteTip(repo, p.remote, p.branch);
  if (tip === commit) return `${p.remote}/${p.branch} already at ${short(commit)}`;
  const dest = `${commit}:refs/heads/${p.branch}`;
  const args =
    p.strategy === "reset"
      ? [
          "push",
          "--porcelain",
          `--force-with-lease=refs/heads/${p.branch}:${p.remoteSha ?? ""}`,
          p.remote,
          dest,
        ]
      : ["push", "--porcelain", p.remote, dest];
  try {
    await repo.run(args);
  } catch (e) {
    throw await refusal(repo, p, e, local);
  }
  return `pushed ${short(commit)} to ${p.remote}/${p.branch}${p.strategy === "reset" ? " (forced, with lease)" : ""}`;
}

/**
 * A push that failed because the remote moved (or refused) becomes GIT_PUSH_REFUSED naming
 * both sides exactly; anything else (the network) is git's own, retryable error.
 */
async function refusal(repo: Repo, p: GitStepParams, e: unknown, local: LocalState): Promise<unknown> {
  const remote = p.remote ?? "";
  const branch = p.branch ?? "";
  const now = await remoteTip(repo, remote, branch).catch(() => undefined);
  const moved = now !== (p.remoteSha ?? undefined);
  if (!moved && !(isBackoutError(e) && REJECTED.test(e.message))) return e;
  const restored = local.restore === undefined ? false : await local.restore().catch(() => false);
  const localSha = restored ? p.from : local.sha;
  const remoteText = now === undefined ? "has no such branch (or did not answer)" : `is at ${now}`;
  const localText =
    local.restore === undefined
      ? `${branch} here was not moved and is at ${localSha}`
      : restored
        ? `${branch} here was put back to ${localSha}, where the plan found it`
        : `${branch} here is at ${localSha} (moved by an earlier attempt; putting it back failed: run \`git -C ${repo.dir} reset --hard ${p.from}\`)`;
  return new BackoutError(
    "GIT_PUSH_REFUSED",
    `${remote} refused the push to ${branch}: ${moved ? `it moved since the plan (expected ${p.remoteSha ?? "no branch"})` : "rejected"}; ${localText}; ${remote}/${branch} ${remoteText}`,
    {
      where: repo.where,
      cause: e,
      retryable: false,
      details: {
        localBranch: branch,
        localSha,
        localRestored: restored,
        remote,
        remoteSha: now ?? null,
        plannedRemoteSha: p.remoteSha,
      },
      hint: `Nothing on ${remote} was changed. Run \`git -C ${repo.dir} fetch ${remote}\`, look at what arrived (\`git log ${short(localSha)}..${remote}/${branch}\`), then make a new plan.`,
    },
  );
}
