import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { gitProvider } from "../../../src/providers/git/index.js";
import { commitFiles, git, makeConfigRepo, type ConfigRepo } from "../../support/git.js";
import { expectBackoutError, tempDir } from "../fixtures.js";
import { gitContext, planOne } from "./git-fixture.js";

describe("git provider: capture and plan", () => {
  let dir: string;
  let repo: ConfigRepo;
  beforeEach(async () => {
    dir = tempDir();
    repo = await makeConfigRepo(dir);
  });

  it("captures HEAD's full sha, the branch, describe and both tag lists", async () => {
    const ctx = gitContext(dir, { repo: "work" });
    const state = await gitProvider.capture(ctx);
    expect(state.version).toBe(repo.commits.v1_2);
    expect(state.version).toMatch(/^[0-9a-f]{40}$/);
    expect(state.details).toMatchObject({
      branch: "main",
      describe: "v1.2",
      tagsContaining: ["v1.2"],
      tagsMerged: ["v1.0", "v1.1", "v1.2"],
    });
  });

  it("plans nothing when HEAD is the target", async () => {
    const ctx = gitContext(dir, { repo: "work", remote: "origin" });
    const current = await gitProvider.capture(ctx);
    expect(await gitProvider.plan(ctx, current, { version: repo.commits.v1_2 })).toEqual([]);
  });

  it("plans one revert-to step without data loss, reversible, pushing to the remote", async () => {
    const ctx = gitContext(dir, { repo: "work", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_0);
    expect(step.action).toBe("revert-to");
    expect(step.phase).toBe("main");
    expect(step.risk.dataLoss).toBe(false);
    expect(step.risk.summary).toContain("history kept");
    expect(step.reversible).toBe(true);
    expect(step.target.version).toBe(repo.commits.v1_0);
    expect(step.params).toMatchObject({ strategy: "revert", remote: "origin", branch: "main" });
    expect(step.description).toContain("push to origin/main");
  });

  it("accepts an abbreviated target and plans with its full sha", async () => {
    const ctx = gitContext(dir, { repo: "work" });
    const step = await planOne(ctx, repo.commits.v1_0.slice(0, 10));
    expect(step.target.version).toBe(repo.commits.v1_0);
  });

  it("refuses a dirty working copy and changes nothing", async () => {
    const ctx = gitContext(dir, { repo: "work" });
    const current = await gitProvider.capture(ctx);
    writeFileSync(join(repo.work, "a.conf"), "hand edit\n");
    const e = await expectBackoutError(
      gitProvider.plan(ctx, current, { version: repo.commits.v1_0 }),
      "PLAN_INVALID",
    );
    expect(e.hint).toContain("commit or stash your changes");
    expect(e.message).toContain("a.conf");
    expect(readFileSync(join(repo.work, "a.conf"), "utf8")).toBe("hand edit\n");
    expect(await git(repo.work, "rev-parse", "HEAD")).toBe(repo.commits.v1_2);
  });

  it("counts an untracked file at a path the rollback writes as a change", async () => {
    const ctx = gitContext(dir, { repo: "work" });
    const current = await gitProvider.capture(ctx);
    writeFileSync(join(repo.work, "b.conf"), "x\n");
    await expectBackoutError(gitProvider.plan(ctx, current, { version: repo.commits.v1_0 }), "PLAN_INVALID");
  });

  it("refuses a commit the working copy does not have, suggesting a fetch", async () => {
    const ctx = gitContext(dir, { repo: "work" });
    const current = await gitProvider.capture(ctx);
    const e = await expectBackoutError(
      gitProvider.plan(ctx, current, { version: "0123456789abcdef0123456789abcdef01234567" }),
      "PLAN_INVALID",
    );
    expect(e.hint).toContain("fetch");
    await expectBackoutError(gitProvider.plan(ctx, current, { version: "--upload-pack=x" }), "PLAN_INVALID");
  });

  it("refuses to revert to a commit that is not an ancestor of HEAD", async () => {
    const stray = await git(repo.work, "commit-tree", "v1.0^{tree}", "-m", "stray");
    const ctx = gitContext(dir, { repo: "work" });
    const current = await gitProvider.capture(ctx);
    const e = await expectBackoutError(gitProvider.plan(ctx, current, { version: stray }), "PLAN_INVALID");
    expect(e.message).toContain("not an ancestor");
    // A reset does not need ancestry.
    const reset = gitContext(dir, { repo: "work", strategy: "reset" });
    expect(await gitProvider.plan(reset, current, { version: stray })).toHaveLength(1);
  });

  it("refuses when the remote has commits the working copy lacks", async () => {
    const other = join(dir, "other");
    await git(dir, "clone", "--quiet", repo.remote, other);
    await commitFiles(other, "someone else", { "a.conf": "theirs\n" });
    await git(other, "push", "--quiet", "origin", "main");
    const ctx = gitContext(dir, { repo: "work", remote: "origin" });
    const current = await gitProvider.capture(ctx);
    const e = await expectBackoutError(
      gitProvider.plan(ctx, current, { version: repo.commits.v1_0 }),
      "PLAN_INVALID",
    );
    expect(e.hint).toContain("pull");
  });

  it("refuses a repo path inside another working copy, and the wrong branch", async () => {
    const inside = gitContext(dir, { repo: "work/sub" });
    const e = await expectBackoutError(gitProvider.capture(inside), "PROVIDER_FAILED");
    expect(e.message).toContain("not the top of a git working copy");
    mkdirSync(join(dir, "plain"));
    await expectBackoutError(gitProvider.capture(gitContext(dir, { repo: "plain" })), "PROVIDER_FAILED");
    const wrong = gitContext(dir, { repo: "work", branch: "production" });
    const b = await expectBackoutError(gitProvider.capture(wrong), "PROVIDER_FAILED");
    expect(b.hint).toContain("production");
  });

  it("rejects settings that would reach git as options", () => {
    expect(() => gitContext(dir, { repo: "work", remote: "--upload-pack=x" })).toThrow();
    expect(() => gitContext(dir, { repo: "work", branch: "-f" })).toThrow();
    expect(() => gitContext(dir, { repo: "work", push: true })).toThrow();
  });
});
