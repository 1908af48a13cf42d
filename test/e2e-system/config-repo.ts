/**
 * The system's configuration repository: a real git working copy on branch main whose
 * checkpoint commit is tagged v1.4; the deploy commits a change past it and tags it v1.5.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { commitFiles, git, requireGit, treeOf } from "../support/git.js";

export interface SystemConfigRepo {
  dir: string;
  /** The checkpoint's commit (tag v1.4). */
  good: string;
}

export async function makeSystemConfigRepo(root: string): Promise<SystemConfigRepo> {
  await requireGit();
  const dir = join(root, "config");
  mkdirSync(dir, { recursive: true });
  await git(dir, "init", "--quiet", "--initial-branch=main");
  await commitFiles(dir, "config v1.3", { "app.conf": "timeout=5\n", "features.conf": "search=off\n" });
  await git(dir, "tag", "v1.3");
  const good = await commitFiles(dir, "config v1.4", { "app.conf": "timeout=10\n" });
  await git(dir, "tag", "-a", "-m", "release 1.4", "v1.4");
  return { dir, good };
}

/** The deploy's configuration change: one commit past v1.4, tagged v1.5; returns its sha. */
export async function deployConfig(repo: SystemConfigRepo): Promise<string> {
  const sha = await commitFiles(repo.dir, "config v1.5: new search backend", {
    "app.conf": "timeout=30\n",
    "features.conf": "search=on\n",
    "search.conf": "backend=v2\n",
  });
  await git(repo.dir, "tag", "v1.5");
  return sha;
}

export interface RepoFacts {
  head: string;
  headTree: string;
  parents: string[];
  subject: string;
}

export async function repoFacts(repo: SystemConfigRepo): Promise<RepoFacts> {
  const [head, headTree, parentLine, subject] = await Promise.all([
    git(repo.dir, "rev-parse", "HEAD"),
    treeOf(repo.dir, "HEAD"),
    git(repo.dir, "rev-list", "--parents", "-n", "1", "HEAD"),
    git(repo.dir, "log", "-1", "--format=%s"),
  ]);
  return { head, headTree, parents: parentLine.split(" ").slice(1), subject };
}

export function goodTree(repo: SystemConfigRepo): Promise<string> {
  return treeOf(repo.dir, "v1.4");
}
