/**
 * Another clone pushes while backout's push is under way: a pre-push hook in backout's working
 * copy runs that other push after git read the remote's refs and before it sends its update,
 * so the remote's own compare-and-swap refuses it (deterministic, no timing). The working copy
 * must be where the plan found it and the error must name both sides.
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { gitProvider } from "../../../src/providers/git/index.js";
import { commitCount, commitFiles, git, makeConfigRepo, type ConfigRepo } from "../../support/git.js";
import { expectBackoutError, tempDir } from "../fixtures.js";
import { gitContext, planOne } from "./git-fixture.js";

describe("git provider: a push the remote refuses", () => {
  let dir: string;
  let repo: ConfigRepo;
  let theirs: string;
  beforeEach(async () => {
    dir = tempDir();
    repo = await makeConfigRepo(dir);
    const other = join(dir, "other");
    await git(dir, "clone", "--quiet", repo.remote, other);
    theirs = await commitFiles(other, "pushed meanwhile", { "a.conf": "theirs\n" });
  });

  /** The first push from the working copy first lets the other clone push its commit. */
  function interleaveOtherPush(): void {
    const hook = join(repo.work, ".git", "hooks", "pre-push");
    const marker = join(dir, "hook-ran");
    writeFileSync(
      hook,
      [
        "#!/bin/sh",
        `[ -e '${marker}' ] && exit 0`,
        `touch '${marker}'`,
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX GIT_QUARANTINE_PATH",
        `cd '${join(dir, "other")}' && exec git push --quiet origin main >/dev/null 2>&1`,
        "",
      ].join("\n"),
    );
    chmodSync(hook, 0o755);
  }

  for (const strategy of ["reset", "revert"] as const) {
    it(`${strategy}: GIT_PUSH_REFUSED, the local branch not moved, the error naming both shas`, async () => {
      const ctx = gitContext(dir, { repo: "work", strategy, remote: "origin" });
      const step = await planOne(ctx, repo.commits.v1_0);
      interleaveOtherPush();
      const e = await expectBackoutError(gitProvider.apply(ctx, step), "GIT_PUSH_REFUSED");
      expect(e.retryable).toBe(false);
      // The remote has the other clone's commit, untouched.
      expect(await git(repo.remote, "rev-parse", "refs/heads/main")).toBe(theirs);
      // The working copy is exactly where the plan found it.
      expect(await git(repo.work, "rev-parse", "HEAD")).toBe(repo.commits.v1_2);
      expect(await git(repo.work, "status", "--porcelain")).toBe("");
      expect(await commitCount(repo.work)).toBe(3);
      expect(e.details).toMatchObject({
        localBranch: "main",
        localSha: repo.commits.v1_2,
        localRestored: false,
        remote: "origin",
        remoteSha: theirs,
        plannedRemoteSha: repo.commits.v1_2,
      });
      expect(e.message).toContain(`origin/main is at ${theirs}`);
      expect(e.message).toContain(`main here was not moved and is at ${repo.commits.v1_2}`);
      expect(e.hint).toContain(`git -C ${repo.work} fetch origin`);
      expect(await gitProvider.verify(ctx, step)).toBe(false);
    });
  }

  it("reset moved by an earlier attempt: the local branch is put back where the plan found it", async () => {
    const ctx = gitContext(dir, { repo: "work", strategy: "reset", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_0);
    // An earlier attempt (or an older backout) reset first, then crashed before its push.
    await git(repo.work, "reset", "--quiet", "--hard", repo.commits.v1_0);
    await git(join(dir, "other"), "push", "--quiet", "origin", "main");
    const e = await expectBackoutError(gitProvider.apply(ctx, step), "GIT_PUSH_REFUSED");
    expect(e.details).toMatchObject({ localSha: repo.commits.v1_2, localRestored: true, remoteSha: theirs });
    expect(await git(repo.work, "rev-parse", "HEAD")).toBe(repo.commits.v1_2);
    expect(await git(repo.remote, "rev-parse", "refs/heads/main")).toBe(theirs);
  });

  it("revert pushed, then crashed before moving the branch: a repeat reuses the pushed commit", async () => {
    const ctx = gitContext(dir, { repo: "work", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_0);
    await gitProvider.apply(ctx, step);
    const pushed = await git(repo.remote, "rev-parse", "refs/heads/main");
    // The state a crash between the push and the fast-forward leaves.
    await git(repo.work, "reset", "--quiet", "--hard", repo.commits.v1_2);
    const again = await gitProvider.apply(ctx, step);
    expect(again.output).toContain("already at");
    expect(await git(repo.work, "rev-parse", "HEAD")).toBe(pushed);
    expect(await git(repo.remote, "rev-parse", "refs/heads/main")).toBe(pushed);
    expect(await commitCount(repo.work)).toBe(4);
    expect(await gitProvider.verify(ctx, step)).toBe(true);
  });
});
