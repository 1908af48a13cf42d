import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";

/**
 * Real git repositories for tests, made with git itself (argument arrays, no shell).
 * Global and system configuration are shut out so the host's ~/.gitconfig cannot change results.
 */
export const GIT_TEST_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.test",
  GIT_COMMITTER_NAME: "Test Author",
  GIT_COMMITTER_EMAIL: "author@example.test",
  GIT_TERMINAL_PROMPT: "0",
};

/** Fails (never skips) with the package to install when git is missing. */
export async function requireGit(): Promise<void> {
  const r = await execa("git", ["--version"], { reject: false });
  if (r.failed || r.exitCode !== 0) {
    throw new Error(
      "git is not installed or not on PATH: install the Debian package `git` (apt-get install git)",
    );
  }
}

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const r = await execa("git", args, { cwd, env: GIT_TEST_ENV, reject: false, stripFinalNewline: true });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${r.stderr}`);
  return r.stdout;
}

/** Writes (string) or deletes (null) files, then commits everything with the message. */
export async function commitFiles(
  cwd: string,
  message: string,
  files: Record<string, string | null>,
): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(cwd, name);
    if (content === null) rmSync(path, { force: true });
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
  await git(cwd, "add", "--all");
  await git(cwd, "commit", "--quiet", "--allow-empty", "-m", message);
  return git(cwd, "rev-parse", "HEAD");
}

export interface ConfigRepo {
  /** The working copy (branch main, remote origin). */
  work: string;
  /** The bare repository origin points at. */
  remote: string;
  /** Commits by tag: v1.0 (a, b), v1.1 (a changed, c added), v1.2 (a changed, b deleted). */
  commits: { v1_0: string; v1_1: string; v1_2: string };
}

/**
 * <root>/remote.git (bare) and <root>/work with three tagged commits, all pushed:
 *   v1.0: a.conf=one, b.conf=bee, sub/d.conf=dee
 *   v1.1: a.conf=two, c.conf=sea (added after v1.0)
 *   v1.2: a.conf=three, b.conf deleted (annotated tag)
 */
export async function makeConfigRepo(root: string, opts: { push?: boolean } = {}): Promise<ConfigRepo> {
  await requireGit();
  const remote = join(root, "remote.git");
  const work = join(root, "work");
  mkdirSync(work, { recursive: true });
  await git(root, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  await git(work, "init", "--quiet", "--initial-branch=main");
  await git(work, "remote", "add", "origin", remote);
  const v1_0 = await commitFiles(work, "config v1.0", {
    "a.conf": "one\n",
    "b.conf": "bee\n",
    "sub/d.conf": "dee\n",
  });
  await git(work, "tag", "v1.0");
  const v1_1 = await commitFiles(work, "config v1.1", { "a.conf": "two\n", "c.conf": "sea\n" });
  await git(work, "tag", "v1.1");
  const v1_2 = await commitFiles(work, "config v1.2", { "a.conf": "three\n", "b.conf": null });
  await git(work, "tag", "-a", "-m", "release 1.2", "v1.2");
  if (opts.push ?? true) await git(work, "push", "--quiet", "--tags", "origin", "main");
  await git(work, "branch", "--quiet", "--set-upstream-to=origin/main").catch(() => undefined);
  return { work, remote, commits: { v1_0, v1_1, v1_2 } };
}

export function treeOf(cwd: string, rev: string): Promise<string> {
  return git(cwd, "rev-parse", `${rev}^{tree}`);
}

export async function commitCount(cwd: string, rev = "HEAD"): Promise<number> {
  return Number(await git(cwd, "rev-list", "--count", rev));
}
