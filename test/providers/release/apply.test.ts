import { readdirSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { releaseProvider } from "../../../src/providers/release/index.js";
import { contextFor } from "../context.js";
import { expectBackoutError, readRecords, tempDir, writeTool } from "../fixtures.js";
import { makeReleases, stepTo } from "./layout-fixture.js";

describe("release provider: apply and verify", () => {
  let dir: string;
  let root: string;
  beforeEach(() => {
    dir = tempDir();
    root = join(dir, "app");
    makeReleases(root, ["r1", "r2", "r3"]);
  });

  it("swaps current to a relative link, keeps every release and leaves no temporary link", async () => {
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: root } });
    const step = await stepTo(ctx, "r3", "r1");
    const result = await releaseProvider.apply(ctx, step);
    expect(readlinkSync(join(root, "current"))).toBe("releases/r1");
    expect(readdirSync(join(root, "releases")).sort()).toEqual(["r1", "r2", "r3"]);
    expect(readdirSync(root).sort()).toEqual(["current", "releases"]);
    expect(result.output).toContain("releases/r1");
    expect((await releaseProvider.capture(ctx)).version).toBe("r1");
  });

  it("is idempotent: a second apply skips the swap but restarts again", async () => {
    const records = join(dir, "records.jsonl");
    const tool = writeTool(dir);
    const ctx = contextFor(releaseProvider, {
      baseDir: dir,
      settings: { path: root, restart: { command: [process.execPath, tool, "record"] } },
      env: { ...process.env, RECORD_FILE: records },
    });
    const step = await stepTo(ctx, "r3", "r2");
    await releaseProvider.apply(ctx, step);
    const again = await releaseProvider.apply(ctx, step);
    expect(again.output).toContain("already at releases/r2");
    expect(readlinkSync(join(root, "current"))).toBe("releases/r2");
    expect(readRecords(records)).toHaveLength(2);
  });

  it("runs the restart command in the release directory with the release in its environment", async () => {
    const records = join(dir, "records.jsonl");
    const tool = writeTool(dir);
    const ctx = contextFor(releaseProvider, {
      name: "api",
      baseDir: dir,
      settings: { path: "app", restart: { command: [process.execPath, tool, "record", "--graceful"] } },
      env: { ...process.env, RECORD_FILE: records, TEST_FROM_CTX: "yes" },
    });
    await releaseProvider.apply(ctx, await stepTo(ctx, "r3", "r1"));
    const [rec] = readRecords(records);
    expect(rec?.argv).toEqual(["record", "--graceful"]);
    expect(rec?.cwd).toBe(join(root, "releases", "r1"));
    expect(rec?.env).toMatchObject({
      BACKOUT_RELEASE: "r1",
      BACKOUT_RELEASE_PATH: join(root, "releases", "r1"),
      BACKOUT_COMPONENT: "api",
      TEST_FROM_CTX: "yes",
    });
  });

  it("reports a failing restart as a retryable COMMAND_FAILED for the step", async () => {
    const tool = writeTool(dir);
    const ctx = contextFor(releaseProvider, {
      name: "api",
      baseDir: dir,
      settings: { path: root, restart: { command: [process.execPath, tool, "fail", "3"] } },
    });
    const step = await stepTo(ctx, "r3", "r1");
    const e = await expectBackoutError(releaseProvider.apply(ctx, step), "COMMAND_FAILED");
    expect(e.retryable).toBe(true);
    expect(e.where).toEqual({ component: "api", step: step.id });
  });

  it("refuses, without retry, when the release vanished between plan and apply", async () => {
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: root } });
    const step = await stepTo(ctx, "r3", "r1");
    rmSync(join(root, "releases", "r1"), { recursive: true });
    const e = await expectBackoutError(releaseProvider.apply(ctx, step), "PLAN_INVALID");
    expect(e.retryable).toBe(false);
    expect(readlinkSync(join(root, "current"))).toBe("releases/r3");
  });

  it("verifies whether current points at the step's release", async () => {
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: root } });
    const step = await stepTo(ctx, "r3", "r1");
    expect(await releaseProvider.verify(ctx, step)).toBe(false);
    await releaseProvider.apply(ctx, step);
    expect(await releaseProvider.verify(ctx, step)).toBe(true);
    rmSync(join(root, "releases", "r1"), { recursive: true });
    expect(await releaseProvider.verify(ctx, step)).toBe(false); // dangling link
    rmSync(join(root, "current"));
    expect(await releaseProvider.verify(ctx, step)).toBe(false);
  });

  it("does nothing once the step is cancelled", async () => {
    const abort = new AbortController();
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: root }, signal: abort.signal });
    const step = await stepTo(ctx, "r3", "r1");
    abort.abort();
    await expectBackoutError(releaseProvider.apply(ctx, step), "STEP_CANCELLED");
    expect(readlinkSync(join(root, "current"))).toBe("releases/r3");
  });
});
