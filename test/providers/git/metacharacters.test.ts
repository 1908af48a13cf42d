import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { gitProvider } from "../../../src/providers/git/index.js";
import { commitFiles, git, makeConfigRepo, treeOf } from "../../support/git.js";
import { NASTY, tempDir } from "../fixtures.js";
import { gitContext, planOne } from "./git-fixture.js";

// git itself drops "<", ">" and newlines from identities; everything else must arrive as written.
const AUTHOR = `Ops $(touch CANARY) \`touch CANARY\` 'single' "double"; | & $HOME`;

describe("git provider: shell metacharacters stay literal", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("in the repo path, file names, the commit message and the author", async () => {
    const root = join(dir, NASTY);
    const repo = await makeConfigRepo(root);
    const kept = `${NASTY}.kept`;
    const added = `${NASTY}.added`;
    const target = await commitFiles(repo.work, NASTY, { [kept]: `${NASTY}\n` });
    await commitFiles(repo.work, "later", { [kept]: null, [added]: "new\n" });
    await git(repo.work, "push", "--quiet", "origin", "main");

    const ctx = gitContext(
      dir,
      {
        repo: join(NASTY, "work"),
        remote: "origin",
        author: { name: AUTHOR, email: `x@y.test; touch CANARY` },
        message: `${NASTY} {{short}} $& $1 {{target}}`,
      },
      `cfg ${NASTY}`,
    );
    const step = await planOne(ctx, target);
    await gitProvider.apply(ctx, step);

    expect(await treeOf(repo.work, "HEAD")).toBe(await treeOf(repo.work, target));
    expect(readFileSync(join(repo.work, kept), "utf8")).toBe(`${NASTY}\n`);
    expect(existsSync(join(repo.work, added))).toBe(false);
    expect((await git(repo.work, "log", "-1", "--format=%B")).trimEnd()).toBe(
      `${NASTY} ${target.slice(0, 12)} $& $1 ${target}`,
    );
    expect(await git(repo.work, "log", "-1", "--format=%an|%ae")).toBe(`${AUTHOR}|x@y.test; touch CANARY`);
    expect(await git(repo.remote, "rev-parse", "refs/heads/main")).toBe(
      await git(repo.work, "rev-parse", "HEAD"),
    );

    for (const where of [dir, root, repo.work, process.cwd()]) {
      expect(
        readdirSync(where).filter((f) => f === "CANARY"),
        where,
      ).toEqual([]);
    }
  });
});
