import type { Risk } from "../../core/model.js";
import { findCommit, SHA, short } from "./facts.js";
import type { Repo } from "./repo.js";

export interface DroppedCommit {
  sha: string;
  subject: string;
  author: string;
}

export interface ResetScope {
  /** The branch the reset moves (undefined: a detached HEAD, only HEAD moves). */
  branch: string | undefined;
  /** The remote the reset force-pushes to, or undefined when nothing is pushed. */
  pushTo: string | undefined;
}

/**
 * The commits a reset to `target` drops that no other ref keeps: not a local branch other than
 * the one reset, not a tag, not a remote-tracking ref, and (when the reset is force-pushed) not
 * any branch or tag the remote has now except the branch the push rewrites. The moved branch,
 * its remote-tracking ref and the remote branch itself do not count: the reset moves them all.
 * A remote ref whose commit this copy lacks cannot vouch for anything, so it protects nothing
 * (default-deny); it is counted so the plan can say a fetch may lower the figure.
 */
export async function commitsAtRisk(
  repo: Repo,
  target: string,
  scope: ResetScope,
): Promise<{ commits: DroppedCommit[]; unknownRemoteRefs: number }> {
  const args = ["log", "--format=%H%x00%s%x00%an <%ae>", `${target}..HEAD`, "--not"];
  if (scope.branch !== undefined) args.push(`--exclude=${scope.branch}`);
  args.push("--branches");
  if (scope.pushTo !== undefined && scope.branch !== undefined) {
    args.push(`--exclude=${scope.pushTo}/${scope.branch}`, `--exclude=${scope.pushTo}/HEAD`);
  }
  args.push("--remotes", "--tags");
  let unknownRemoteRefs = 0;
  if (scope.pushTo !== undefined) {
    const { known, unknown } = await liveRemoteRefs(repo, scope.pushTo, scope.branch);
    args.push(...known);
    unknownRemoteRefs = unknown;
  }
  const out = await repo.run(args);
  const commits = out
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const [sha = "", subject = "", author = ""] = line.split("\0");
      return { sha, subject, author };
    });
  return { commits, unknownRemoteRefs };
}

/** Commits of the remote's branches and tags (all but the rewritten branch), split by whether this copy has them. */
async function liveRemoteRefs(
  repo: Repo,
  remote: string,
  branch: string | undefined,
): Promise<{ known: string[]; unknown: number }> {
  const out = await repo.run(["ls-remote", "--heads", "--tags", remote]);
  const shas = new Set<string>();
  for (const line of out.split("\n")) {
    const [sha, ref] = line.split("\t");
    if (sha === undefined || ref === undefined || !SHA.test(sha)) continue;
    if (branch !== undefined && ref === `refs/heads/${branch}`) continue;
    shas.add(sha);
  }
  const known: string[] = [];
  let unknown = 0;
  for (const sha of shas) {
    if ((await findCommit(repo, sha)) !== undefined) known.push(sha);
    else unknown += 1;
  }
  return { known, unknown };
}

/**
 * The risk of a reset: data loss when any dropped commit is on no other ref, listing each
 * (hash, subject, author) so the data-loss gate's confirmation names exactly what goes.
 */
export function resetRisk(
  target: string,
  found: { commits: DroppedCommit[]; unknownRemoteRefs: number },
  pushTo: string | undefined,
  redact: (t: string) => string,
): Risk {
  const after = `the commits after ${short(target)}`;
  if (found.commits.length === 0) {
    const summary =
      pushTo === undefined
        ? `rewrites history here; ${after} stay on the other refs that have them (nothing is pushed)`
        : `rewrites history; the force-push (with a lease) removes ${after} from the branch on ${pushTo}; each is still on another branch, tag or remote ref`;
    return { dataLoss: false, summary };
  }
  const listed = found.commits
    .slice(0, 20)
    .map((c) => `${short(c.sha)} "${c.subject}" (${c.author})`)
    .join("; ");
  const more = found.commits.length > 20 ? `; and ${found.commits.length - 20} more` : "";
  const where = pushTo === undefined ? "" : ` (the force-push removes them from ${pushTo} too)`;
  const unfetched =
    found.unknownRemoteRefs > 0
      ? `; ${found.unknownRemoteRefs} ref(s) on ${pushTo ?? "the remote"} point at commits this copy has not fetched and were not counted as keeping any (git fetch, then plan again)`
      : "";
  return {
    dataLoss: true,
    summary: redact(
      `rewrites history; ${found.commits.length} commit(s) after ${short(target)} are on no other branch, tag or remote ref and would only remain in the reflog${where}: ${listed}${more}${unfetched}`,
    ),
  };
}
