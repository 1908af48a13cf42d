import { BackoutError, isBackoutError } from "../../core/errors.js";
import { remoteTip, short } from "./facts.js";
import type { Repo } from "./repo.js";
import type { GitStepParams } from "./step-params.js";

const REJECTED = /\[rejected\]|\(stale info\)|non-fast-forward|fetch first/;

/**
 * Pushes HEAD to remote/branch unless the remote already has it (so a repeat is a no-op).
 * A revert is a normal fast-forward push; a reset is forced, with the tip seen at plan time as
 * the lease, so commits someone pushed since then are never overwritten.
 */
export async function pushIfBehind(repo: Repo, p: GitStepParams): Promise<string> {
  if (p.remote === null || p.branch === null) return "";
  const head = await repo.run(["rev-parse", "HEAD"]);
  const tip = await remoteTip(repo, p.remote, p.branch);
  if (tip === head) return `${p.remote}/${p.branch} already at ${short(head)}`;
  const dest = `HEAD:refs/heads/${p.branch}`;
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
    if (isBackoutError(e) && REJECTED.test(e.message)) {
      throw new BackoutError("PROVIDER_FAILED", `${p.remote} refused the push: ${e.message}`, {
        where: repo.where,
        cause: e,
        hint: `${p.remote}/${p.branch} moved since the plan; fetch, look at the new commits, and plan again.`,
      });
    }
    throw e;
  }
  return `pushed ${short(head)} to ${p.remote}/${p.branch}${p.strategy === "reset" ? " (forced, with lease)" : ""}`;
}
