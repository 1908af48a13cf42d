/**
 * A reset drops the commits after its target. Only those on no other ref (local branch other
 * than the one reset, tag, remote-tracking ref, or a branch or tag the remote has now) are data
 * at risk; the branch the reset force-pushes does not keep anything, since the push rewrites it.
 */
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { commitFiles, git, makeConfigRepo, type ConfigRepo } from "../../support/git.js";
import { tempDir } from "../fixtures.js";
import { gitContext, planOne } from "./git-fixture.js";

describe("git provider: commits a reset would drop", () => {
  let dir: string;
  let repo: ConfigRepo;
  beforeEach(async () => {
    dir = tempDir();
    repo = await makeConfigRepo(dir);
    // v1.2 is then only on main: here, as origin/main, and on the remote's main.
    await git(repo.work, "tag", "-d", "v1.2");
    await git(repo.work, "push", "--quiet", "origin", ":refs/tags/v1.2");
  });

  it("counts a commit only on the force-pushed branch as data at risk, with hash, subject and author", async () => {
    const ctx = gitContext(dir, { repo: "work", strategy: "reset", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_1);
    expect(step.risk.dataLoss).toBe(true);
    expect(step.risk.summary).toContain("1 commit(s) after");
    expect(step.risk.summary).toContain(
      `${repo.commits.v1_2.slice(0, 12)} "config v1.2" (Test Author <author@example.test>)`,
    );
    expect(step.risk.summary).toContain("the force-push removes them from origin too");
  });

  it("without a push, the remote-tracking ref keeps them: no data at risk", async () => {
    const ctx = gitContext(dir, { repo: "work", strategy: "reset" });
    const step = await planOne(ctx, repo.commits.v1_1);
    expect(step.risk.dataLoss).toBe(false);
  });

  it("a branch on the remote that has them keeps them", async () => {
    await git(repo.work, "push", "--quiet", "origin", "main:refs/heads/keep");
    // Not fetched: the live remote's refs count, not only the remote-tracking ones.
    await git(repo.work, "update-ref", "-d", "refs/remotes/origin/keep");
    const ctx = gitContext(dir, { repo: "work", strategy: "reset", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_1);
    expect(step.risk.dataLoss).toBe(false);
    expect(step.risk.summary).toContain("each is still on another branch, tag or remote ref");
  });

  it("a local branch or a tag keeps them; a later commit on no ref is listed alone", async () => {
    await git(repo.work, "branch", "keep");
    const local = await commitFiles(repo.work, "local only", { "a.conf": "local\n" });
    const ctx = gitContext(dir, { repo: "work", strategy: "reset", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_1);
    expect(step.risk.dataLoss).toBe(true);
    expect(step.risk.summary).toContain(`1 commit(s) after`);
    expect(step.risk.summary).toContain(`${local.slice(0, 12)} "local only"`);
    expect(step.risk.summary).not.toContain(repo.commits.v1_2.slice(0, 12));
    await git(repo.work, "tag", "kept", local);
    expect((await planOne(ctx, repo.commits.v1_1)).risk.dataLoss).toBe(false);
  });

  it("a remote ref pointing at a commit this copy has not fetched protects nothing, and the plan says so", async () => {
    const other = join(dir, "other");
    await git(dir, "clone", "--quiet", repo.remote, other);
    await git(other, "checkout", "--quiet", "-b", "side");
    await commitFiles(other, "side work", { "s.conf": "s\n" });
    await git(other, "push", "--quiet", "origin", "side");
    const ctx = gitContext(dir, { repo: "work", strategy: "reset", remote: "origin" });
    const step = await planOne(ctx, repo.commits.v1_1);
    expect(step.risk.dataLoss).toBe(true);
    expect(step.risk.summary).toContain("1 ref(s) on origin point at commits this copy has not fetched");
  });
});
