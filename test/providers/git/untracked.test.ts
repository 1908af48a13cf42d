/**
 * Untracked files refuse a rollback only when it writes or removes their paths (reset --hard
 * would overwrite them silently), or with `untracked: any`; the others are kept and reported.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { gitProvider } from "../../../src/providers/git/index.js";
import { git, makeConfigRepo, type ConfigRepo } from "../../support/git.js";
import { expectBackoutError, tempDir } from "../fixtures.js";
import { gitContext, planOne } from "./git-fixture.js";

describe("git provider: untracked files", () => {
  let dir: string;
  let repo: ConfigRepo;
  beforeEach(async () => {
    dir = tempDir();
    repo = await makeConfigRepo(dir);
  });

  it("keeps an untracked file the rollback does not touch, and says so in the plan and the output", async () => {
    writeFileSync(join(repo.work, "notes.txt"), "mine\n");
    mkdirSync(join(repo.work, "scratch"));
    writeFileSync(join(repo.work, "scratch", "x"), "x\n");
    for (const strategy of ["revert", "reset"] as const) {
      const ctx = gitContext(dir, { repo: "work", strategy, remote: "origin" });
      const step = await planOne(ctx, repo.commits.v1_0);
      expect(step.measured).toBe("2 untracked file(s) kept: notes.txt, scratch/");
      const out = await gitProvider.apply(ctx, step);
      expect(out.output).toContain("2 untracked file(s) kept");
      expect(readFileSync(join(repo.work, "notes.txt"), "utf8")).toBe("mine\n");
      expect(readFileSync(join(repo.work, "scratch", "x"), "utf8")).toBe("x\n");
      expect(await git(repo.work, "rev-parse", "HEAD^{tree}")).toBe(
        await git(repo.work, "rev-parse", `${repo.commits.v1_0}^{tree}`),
      );
      expect(await gitProvider.verify(ctx, step)).toBe(true);
      await git(repo.work, "reset", "--quiet", "--hard", repo.commits.v1_2);
      await git(repo.work, "push", "--quiet", "--force", "origin", "main");
    }
  });

  it("refuses an untracked file at a path the rollback writes, and changes nothing", async () => {
    // v1.2 deleted b.conf; going back to v1.0 writes it again.
    writeFileSync(join(repo.work, "b.conf"), "someone's draft\n");
    const ctx = gitContext(dir, { repo: "work", strategy: "reset" });
    const current = await gitProvider.capture(ctx);
    const e = await expectBackoutError(
      gitProvider.plan(ctx, current, { version: repo.commits.v1_0 }),
      "PLAN_INVALID",
    );
    expect(e.message).toContain("at paths the rollback writes or removes");
    expect(e.message).toContain("b.conf");
    expect(readFileSync(join(repo.work, "b.conf"), "utf8")).toBe("someone's draft\n");
    expect(await git(repo.work, "rev-parse", "HEAD")).toBe(repo.commits.v1_2);
  });

  it("refuses an untracked file inside a directory the rollback removes or a file it turns into one", async () => {
    // v1.0 has sub/d.conf; an untracked file named sub stands where the rollback makes a directory.
    await git(repo.work, "rm", "--quiet", "sub/d.conf");
    await git(repo.work, "commit", "--quiet", "-m", "drop sub");
    writeFileSync(join(repo.work, "sub"), "a file where v1.0 has a directory\n");
    const ctx = gitContext(dir, { repo: "work" });
    const current = await gitProvider.capture(ctx);
    const e = await expectBackoutError(
      gitProvider.plan(ctx, current, { version: repo.commits.v1_0 }),
      "PLAN_INVALID",
    );
    expect(e.message).toContain("sub");
  });

  it("refuses an ignored file at a path the rollback writes (reset --hard would overwrite it)", async () => {
    writeFileSync(join(repo.work, ".git", "info", "exclude"), "b.conf\n");
    writeFileSync(join(repo.work, "b.conf"), "ignored but precious\n");
    expect(await git(repo.work, "status", "--porcelain")).toBe("");
    const ctx = gitContext(dir, { repo: "work", strategy: "reset" });
    const current = await gitProvider.capture(ctx);
    await expectBackoutError(gitProvider.plan(ctx, current, { version: repo.commits.v1_0 }), "PLAN_INVALID");
    expect(readFileSync(join(repo.work, "b.conf"), "utf8")).toBe("ignored but precious\n");
  });

  it("refuses at apply time an untracked file that appeared at a written path after the plan", async () => {
    const ctx = gitContext(dir, { repo: "work", strategy: "reset" });
    const step = await planOne(ctx, repo.commits.v1_0);
    writeFileSync(join(repo.work, "b.conf"), "arrived later\n");
    await expectBackoutError(gitProvider.apply(ctx, step), "PLAN_INVALID");
    expect(readFileSync(join(repo.work, "b.conf"), "utf8")).toBe("arrived later\n");
    expect(await git(repo.work, "rev-parse", "HEAD")).toBe(repo.commits.v1_2);
  });

  it("with untracked: any, refuses any untracked file", async () => {
    writeFileSync(join(repo.work, "notes.txt"), "mine\n");
    const ctx = gitContext(dir, { repo: "work", untracked: "any" });
    const current = await gitProvider.capture(ctx);
    const e = await expectBackoutError(
      gitProvider.plan(ctx, current, { version: repo.commits.v1_0 }),
      "PLAN_INVALID",
    );
    expect(e.message).toContain("untracked: any");
    expect(e.message).toContain("notes.txt");
  });
});
