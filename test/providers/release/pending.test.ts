import { existsSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { releaseProvider } from "../../../src/providers/release/index.js";
import { contextFor } from "../context.js";
import { expectBackoutError, tempDir, writeTool } from "../fixtures.js";
import { makeReleases, stepTo } from "./layout-fixture.js";

describe("release provider: a swap whose restart failed is not called done", () => {
  let dir: string;
  let root: string;
  beforeEach(() => {
    dir = tempDir();
    root = join(dir, "app");
    makeReleases(root, ["r1", "r2"]);
  });

  const ctxWith = (restart: string[]) =>
    contextFor(releaseProvider, { baseDir: dir, settings: { path: root, restart: { command: restart } } });

  it("captures the release still running, plans the step again, and settles once the restart passes", async () => {
    const tool = writeTool(dir);
    const failing = ctxWith([process.execPath, tool, "fail", "3"]);
    expect((await releaseProvider.capture(failing)).version).toBe("r2");
    const step = await stepTo(failing, "r2", "r1");

    await expectBackoutError(releaseProvider.apply(failing, step), "COMMAND_FAILED");
    // The link moved, but r2 is what still runs: capture says r2 and the step is not reached.
    expect(readlinkSync(join(root, "current"))).toBe("releases/r1");
    const captured = await releaseProvider.capture(failing);
    expect(captured.version).toBe("r2");
    expect(captured.details?.unconfirmedSwitchTo).toBe("r1");
    expect(await releaseProvider.verify(failing, step)).toBe(false);
    expect(await releaseProvider.plan(failing, captured, { version: "r1" })).toHaveLength(1);

    // Once the restart works, the same step completes and the record is gone.
    const working = ctxWith([process.execPath, tool, "record"]);
    await releaseProvider.apply(working, step);
    expect((await releaseProvider.capture(working)).version).toBe("r1");
    expect(await releaseProvider.verify(working, step)).toBe(true);
    expect(existsSync(join(root, ".backout-pending"))).toBe(false);
  });

  it("ignores a stale record once another tool moved current elsewhere", async () => {
    const tool = writeTool(dir);
    const failing = ctxWith([process.execPath, tool, "fail", "3"]);
    await expectBackoutError(
      releaseProvider.apply(failing, await stepTo(failing, "r2", "r1")),
      "COMMAND_FAILED",
    );
    // A deploy tool (not backout) points current back at r2 and restarts it.
    const other = contextFor(releaseProvider, { baseDir: dir, settings: { path: root } });
    await releaseProvider.apply(other, await stepTo(other, "r1", "r2"));
    expect((await releaseProvider.capture(failing)).version).toBe("r2");
  });
});
