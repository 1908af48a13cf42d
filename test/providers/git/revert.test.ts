import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { gitProvider } from "../../../src/providers/git/index.js";
import { commitCount, git, makeConfigRepo, treeOf, type ConfigRepo } from "../../support/git.js";
import { expectBackoutError, tempDir } from "../fixtures.js";
import { gitContext, planOne } from "./git-fixture.js";

describe("git provider: revert strategy", () => {
  let dir: string;
  let repo: ConfigRepo;
  beforeEach(async () => {
    dir = tempDir();
    repo = await makeConfigRepo(dir);
  });

  it("adds one commit whose tree is the target's, keeps history and pushes it", async () => {
    const ctx = gitContext(dir, { repo: "work", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_0);
    expect(await gitProvider.verify(ctx, step)).toBe(false);
    const result = await gitProvider.apply(ctx, step);
    expect(result.output).toContain("committed");

    expect(await treeOf(repo.work, "HEAD")).toBe(await treeOf(repo.work, repo.commits.v1_0));
    expect(await commitCount(repo.work)).toBe(4);
    expect(await git(repo.work, "rev-parse", "HEAD~1")).toBe(repo.commits.v1_2);
    // The files themselves: c.conf (added after v1.0) is gone, b.conf (deleted after) is back.
    expect(readFileSync(join(repo.work, "a.conf"), "utf8")).toBe("one\n");
    expect(readFileSync(join(repo.work, "b.conf"), "utf8")).toBe("bee\n");
    expect(existsSync(join(repo.work, "c.conf"))).toBe(false);
    expect(await git(repo.work, "status", "--porcelain")).toBe("");

    const head = await git(repo.work, "rev-parse", "HEAD");
    expect(await git(repo.remote, "rev-parse", "refs/heads/main")).toBe(head);
    expect(await git(repo.work, "log", "-1", "--format=%an <%ae>|%cn <%ce>")).toBe(
      "backout <backout@localhost>|backout <backout@localhost>",
    );
    expect(await git(repo.work, "log", "-1", "--format=%s")).toBe(
      `Roll back cfg to ${repo.commits.v1_0.slice(0, 12)}`,
    );
    expect(await gitProvider.verify(ctx, step)).toBe(true);

    // Already there: the next plan is empty.
    const now = await gitProvider.capture(ctx);
    expect(now.version).toBe(head);
    expect(await gitProvider.plan(ctx, now, { version: repo.commits.v1_0 })).toEqual([]);
  });

  it("uses the configured author and message", async () => {
    const ctx = gitContext(dir, {
      repo: "work",
      author: { name: "Ops Bot", email: "ops@example.test" },
      message: "rollback {{component}}: {{from}} -> {{target}}",
    });
    await gitProvider.apply(ctx, await planOne(ctx, repo.commits.v1_1));
    expect(await git(repo.work, "log", "-1", "--format=%an <%ae>")).toBe("Ops Bot <ops@example.test>");
    expect((await git(repo.work, "log", "-1", "--format=%B")).trimEnd()).toBe(
      `rollback cfg: ${repo.commits.v1_2} -> ${repo.commits.v1_1}`,
    );
    expect(await treeOf(repo.work, "HEAD")).toBe(await treeOf(repo.work, repo.commits.v1_1));
  });

  it("with the remote unreachable, moves nothing; a repeat commits once and pushes", async () => {
    const ctx = gitContext(dir, { repo: "work", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_0);
    // The remote vanishes: the commit is pushed before the branch moves, so nothing moves.
    renameSync(repo.remote, `${repo.remote}.away`);
    await expectBackoutError(gitProvider.apply(ctx, step), "PROVIDER_FAILED");
    expect(await git(repo.work, "rev-parse", "HEAD")).toBe(repo.commits.v1_2);
    expect(await gitProvider.verify(ctx, step)).toBe(false);
    renameSync(`${repo.remote}.away`, repo.remote);

    const again = await gitProvider.apply(ctx, step);
    expect(again.output).toContain("committed");
    expect(again.output).toContain("pushed");
    expect(await commitCount(repo.work)).toBe(4);
    expect(await git(repo.remote, "rev-parse", "refs/heads/main")).toBe(
      await git(repo.work, "rev-parse", "HEAD"),
    );
    expect(await gitProvider.verify(ctx, step)).toBe(true);

    const third = await gitProvider.apply(ctx, step);
    expect(third.output).toContain("already at");
    expect(await commitCount(repo.work)).toBe(4);
  });

  it("after a crash between a local commit and its push, commits nothing more and only pushes", async () => {
    const ctx = gitContext(dir, { repo: "work", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_0);
    // The state an earlier version (commit first, push second) left when it crashed in between.
    const tree = await treeOf(repo.work, repo.commits.v1_0);
    const made = await git(repo.work, "commit-tree", tree, "-p", "HEAD", "-m", "earlier attempt");
    await git(repo.work, "merge", "--ff-only", "--quiet", made);
    const again = await gitProvider.apply(ctx, step);
    expect(again.output).toContain("already has the tree");
    expect(again.output).toContain("pushed");
    expect(await commitCount(repo.work)).toBe(4);
    expect(await git(repo.remote, "rev-parse", "refs/heads/main")).toBe(made);
    expect(await gitProvider.verify(ctx, step)).toBe(true);
  });

  it('verify cannot tell (an error, not "not reached") while the remote is unreachable', async () => {
    const ctx = gitContext(dir, { repo: "work", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_0);
    await gitProvider.apply(ctx, step);
    renameSync(repo.remote, `${repo.remote}.away`);
    await expectBackoutError(gitProvider.verify(ctx, step), "PROVIDER_FAILED");
  });

  it("refuses at apply time when someone edited the working copy after the plan", async () => {
    const ctx = gitContext(dir, { repo: "work" });
    const step = await planOne(ctx, repo.commits.v1_0);
    writeFileSync(join(repo.work, "a.conf"), "edited after plan\n");
    const e = await expectBackoutError(gitProvider.apply(ctx, step), "PLAN_INVALID");
    expect(e.retryable).toBe(false);
    expect(readFileSync(join(repo.work, "a.conf"), "utf8")).toBe("edited after plan\n");
    expect(await commitCount(repo.work)).toBe(3);
  });
});
