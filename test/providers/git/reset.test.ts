import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { gitProvider } from "../../../src/providers/git/index.js";
import { commitCount, commitFiles, git, makeConfigRepo, type ConfigRepo } from "../../support/git.js";
import { expectBackoutError, tempDir } from "../fixtures.js";
import { gitContext, planOne } from "./git-fixture.js";

describe("git provider: reset strategy", () => {
  let dir: string;
  let repo: ConfigRepo;
  beforeEach(async () => {
    dir = tempDir();
    repo = await makeConfigRepo(dir);
  });

  it("plans reset-to without data loss when the later commits are on the remote, and resets", async () => {
    const ctx = gitContext(dir, { repo: "work", strategy: "reset" });
    const step = await planOne(ctx, repo.commits.v1_0);
    expect(step.action).toBe("reset-to");
    expect(step.reversible).toBe(true);
    expect(step.risk.dataLoss).toBe(false);
    expect(step.risk.summary).toMatch(
      /^rewrites history here; the commits after \w+ stay on the other refs that have them/,
    );
    await gitProvider.apply(ctx, step);
    expect(await git(repo.work, "rev-parse", "HEAD")).toBe(repo.commits.v1_0);
    expect(await commitCount(repo.work)).toBe(1);
    expect(await gitProvider.verify(ctx, step)).toBe(true);
    const again = await gitProvider.apply(ctx, step);
    expect(again.output).toContain("already has the tree");
  });

  it("says data may be lost when commits after the target were never pushed", async () => {
    await commitFiles(repo.work, "local only", { "a.conf": "local\n" });
    const ctx = gitContext(dir, { repo: "work", strategy: "reset" });
    const step = await planOne(ctx, repo.commits.v1_0);
    expect(step.risk.dataLoss).toBe(true);
    expect(step.risk.summary).toContain("1 commit(s)");
    // The revert strategy keeps everything.
    const revert = await planOne(gitContext(dir, { repo: "work" }), repo.commits.v1_0);
    expect(revert.risk.dataLoss).toBe(false);
  });

  it("force-pushes with a lease, once", async () => {
    const ctx = gitContext(dir, { repo: "work", strategy: "reset", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_1);
    expect(step.risk.dataLoss).toBe(false);
    const out = await gitProvider.apply(ctx, step);
    expect(out.output).toContain("forced, with lease");
    expect(await git(repo.remote, "rev-parse", "refs/heads/main")).toBe(repo.commits.v1_1);
    expect(await gitProvider.verify(ctx, step)).toBe(true);
    expect((await gitProvider.apply(ctx, step)).output).toContain("already at");
  });

  it("refuses to force away commits pushed to the remote after the plan", async () => {
    const ctx = gitContext(dir, { repo: "work", strategy: "reset", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_0);
    const other = join(dir, "other");
    await git(dir, "clone", "--quiet", repo.remote, other);
    const theirs = await commitFiles(other, "pushed meanwhile", { "a.conf": "theirs\n" });
    await git(other, "push", "--quiet", "origin", "main");
    const e = await expectBackoutError(gitProvider.apply(ctx, step), "GIT_PUSH_REFUSED");
    expect(e.retryable).toBe(false);
    expect(e.hint).toContain("make a new plan");
    expect(await git(repo.work, "rev-parse", "HEAD")).toBe(repo.commits.v1_2);
    expect(await git(repo.remote, "rev-parse", "refs/heads/main")).toBe(theirs);
  });
});
