import { BackoutError } from "../../core/errors.js";
import type { Repo } from "./repo.js";

/** A full or abbreviated object name; anything else never reaches git as a revision. */
export const SHA = /^[0-9a-f]{4,64}$/;

export interface Head {
  sha: string;
  tree: string;
  /** Short branch name; undefined when HEAD is detached. */
  branch: string | undefined;
}

export async function readHead(repo: Repo): Promise<Head> {
  const found = await repo.ask(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
  if (found.exitCode !== 0 || found.stdout === "") {
    throw new BackoutError("PROVIDER_FAILED", `${repo.dir} has no commits yet`, {
      where: repo.where,
      hint: "Commit the configuration first; an empty repository has nothing to roll back to.",
    });
  }
  const sha = found.stdout;
  const tree = await repo.run(["rev-parse", `${sha}^{tree}`]);
  const ref = await repo.ask(["symbolic-ref", "--quiet", "--short", "HEAD"]);
  return { sha, tree, branch: ref.exitCode === 0 && ref.stdout !== "" ? ref.stdout : undefined };
}

/** The full name of a commit, or undefined when this working copy does not have it. */
export async function findCommit(repo: Repo, name: string): Promise<string | undefined> {
  if (!SHA.test(name)) return undefined;
  const found = await repo.ask(["rev-parse", "--verify", "--quiet", `${name}^{commit}`]);
  return found.exitCode === 0 && found.stdout !== "" ? found.stdout : undefined;
}

export function treeOf(repo: Repo, sha: string): Promise<string> {
  return repo.run(["rev-parse", `${sha}^{tree}`]);
}

export async function isAncestor(repo: Repo, ancestor: string, of: string): Promise<boolean> {
  return (await repo.ask(["merge-base", "--is-ancestor", ancestor, of])).exitCode === 0;
}

/** `git status` lines for tracked files: modified, staged, deleted (untracked files are judged apart). */
export async function trackedChanges(repo: Repo): Promise<string[]> {
  const out = await repo.run(["status", "--porcelain=v1", "--untracked-files=no"]);
  return out.split("\n").filter((l) => l !== "");
}

export function dirtyError(repo: Repo, changes: string[], why = "has uncommitted changes"): BackoutError {
  const shown = changes.slice(0, 10).join("; ");
  return new BackoutError(
    "PLAN_INVALID",
    `${repo.dir} ${why} (${changes.length}): ${shown}${changes.length > 10 ? "; …" : ""}`,
    {
      where: repo.where,
      hint: "commit or stash your changes (or move the untracked files away), then plan again.",
      details: { changes: changes.slice(0, 50) },
    },
  );
}

/** The remote's branch tip (read-only network call); undefined when the branch is not there. */
export async function remoteTip(repo: Repo, remote: string, branch: string): Promise<string | undefined> {
  const out = await repo.run(["ls-remote", remote, `refs/heads/${branch}`]);
  for (const line of out.split("\n")) {
    const [sha, ref] = line.split("\t");
    if (ref === `refs/heads/${branch}` && sha !== undefined && SHA.test(sha)) return sha;
  }
  return undefined;
}

export function short(sha: string): string {
  return sha.slice(0, 12);
}
