import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { releaseProvider } from "../../../src/providers/release/index.js";
import { contextFor, planned } from "../context.js";
import { NASTY, readRecords, tempDir, writeTool } from "../fixtures.js";
import { makeReleases } from "./layout-fixture.js";

describe("release provider: shell metacharacters are literal", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("handles release names, paths and restart arguments full of metacharacters", async () => {
    // Every character but "/" is legal in a file name, so the nasty value names the root and a release.
    const root = join(dir, NASTY);
    makeReleases(root, [NASTY, "plain"]);
    const tool = writeTool(dir);
    const records = join(dir, "records.jsonl");
    const ctx = contextFor(releaseProvider, {
      baseDir: dir,
      settings: {
        path: NASTY,
        restart: { command: [process.execPath, tool, "record", NASTY, `--name=${NASTY}`] },
      },
      env: { ...process.env, RECORD_FILE: records },
    });

    expect((await releaseProvider.capture(ctx)).version).toBe("plain");
    const [spec] = await releaseProvider.plan(ctx, { version: "plain" }, { version: NASTY });
    if (spec === undefined) throw new Error("expected a step");
    const step = planned(ctx, spec);
    await releaseProvider.apply(ctx, step);

    expect(readlinkSync(join(root, "current"))).toBe(`releases/${NASTY}`);
    expect((await releaseProvider.capture(ctx)).version).toBe(NASTY);
    expect(await releaseProvider.verify(ctx, step)).toBe(true);

    const [rec] = readRecords(records);
    expect(rec?.argv).toEqual(["record", NASTY, `--name=${NASTY}`]);
    expect(rec?.env.BACKOUT_RELEASE).toBe(NASTY);
    expect(rec?.env.BACKOUT_RELEASE_PATH).toBe(join(root, "releases", NASTY));
    expect(rec?.cwd).toBe(join(root, "releases", NASTY));

    expect(readdirSync(join(root, "releases")).sort()).toEqual([NASTY, "plain"].sort());
    for (const where of [dir, root, join(root, "releases", NASTY), process.cwd()]) {
      expect(existsSync(join(where, "CANARY")), where).toBe(false);
    }
  });
});
