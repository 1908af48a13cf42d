import { beforeAll, describe, expect, it } from "vitest";
import type { ComponentState } from "../../../src/core/model.js";
import { gitProvider } from "../../../src/providers/git/index.js";
import { gitSatisfies } from "../../../src/providers/git/satisfies.js";
import { commitFiles, git, makeConfigRepo } from "../../support/git.js";
import { tempDir } from "../fixtures.js";
import { gitContext } from "./git-fixture.js";

describe("gitSatisfies on captured states", () => {
  const dir = tempDir();
  const at: Record<string, ComponentState> = {};
  beforeAll(async () => {
    const repo = await makeConfigRepo(dir, { push: false });
    const ctx = gitContext(dir, { repo: "work" });
    await commitFiles(repo.work, "after v1.2, untagged", { "e.conf": "e\n" });
    at.after = await gitProvider.capture(ctx);
    for (const tag of ["v1.2", "v1.1", "v1.0"]) {
      await git(repo.work, "reset", "--quiet", "--hard", tag);
      at[tag] = await gitProvider.capture(ctx);
    }
  });

  function state(name: string): ComponentState {
    const s = at[name];
    if (s === undefined) throw new Error(`no state ${name}`);
    return s;
  }

  it("reads <=, <, >=, > and = against tags", () => {
    const v10 = state("v1.0");
    expect(gitSatisfies(v10, "<=v1.1")).toBe(true);
    expect(gitSatisfies(v10, "<=v1.0")).toBe(true);
    expect(gitSatisfies(v10, "<v1.0")).toBe(false);
    expect(gitSatisfies(v10, "<v1.1")).toBe(true);
    expect(gitSatisfies(v10, ">=v1.0")).toBe(true);
    expect(gitSatisfies(v10, ">=v1.1")).toBe(false);
    expect(gitSatisfies(v10, "=v1.0")).toBe(true);
    expect(gitSatisfies(v10, "v1.0")).toBe(true);
    expect(gitSatisfies(v10, "=v1.1")).toBe(false);
    expect(gitSatisfies(v10, "<=v9.9")).toBe(false); // no such tag

    const v12 = state("v1.2"); // annotated tag
    expect(gitSatisfies(v12, "=v1.2")).toBe(true);
    expect(gitSatisfies(v12, ">v1.1")).toBe(true);
    expect(gitSatisfies(v12, ">v1.2")).toBe(false);
    expect(gitSatisfies(v12, "<=v1.1")).toBe(false);

    const after = state("after");
    expect(after.details?.describe).toMatch(/^v1\.2-1-g[0-9a-f]+$/);
    expect(gitSatisfies(after, "=v1.2")).toBe(false);
    expect(gitSatisfies(after, ">v1.2")).toBe(true);
    expect(gitSatisfies(after, ">=v1.2")).toBe(true);
    expect(gitSatisfies(after, "<=v1.2")).toBe(false);
  });

  it("matches sha prefixes and combines comparators", () => {
    const v11 = state("v1.1");
    expect(gitSatisfies(v11, `=${v11.version.slice(0, 7)}`)).toBe(true);
    expect(gitSatisfies(v11, v11.version.slice(0, 8).toUpperCase())).toBe(true);
    expect(gitSatisfies(v11, `=${state("v1.0").version.slice(0, 7)}`)).toBe(false);
    expect(gitSatisfies(v11, ">=v1.0 <v1.2")).toBe(true);
    expect(gitSatisfies(v11, ">= v1.0 <= v1.1")).toBe(true);
    expect(gitSatisfies(v11, ">=v1.2 || <=v1.0")).toBe(false);
    expect(gitSatisfies(state("v1.0"), ">=v1.2 || <=v1.0")).toBe(true);
  });

  it("is the git provider's satisfies capability", () => {
    expect(gitProvider.satisfies?.(state("v1.0"), "<=v1.1")).toBe(true);
  });

  it("returns undefined for ranges it does not understand and states without tag lists", () => {
    const v11 = state("v1.1");
    for (const range of ["", "  ", "<", "=", "^1.0", "~v1.0", "*", "v1..0", "<=", ">= v1.0 ||", "-v1"]) {
      expect(gitSatisfies(v11, range), JSON.stringify(range)).toBeUndefined();
    }
    expect(gitSatisfies({ version: v11.version }, "<=v1.1")).toBeUndefined();
    expect(
      gitSatisfies({ version: v11.version, details: { tagsContaining: "v1.1" } }, "<=v1.1"),
    ).toBeUndefined();
  });
});
