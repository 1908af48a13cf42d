import {
  chmodSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { fileProvider } from "../../../src/providers/file/index.js";
import { expectBackoutError, NASTY, readRecords, tempDir, writeTool } from "../fixtures.js";
import { fileContext, planTo } from "./file-fixture.js";

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

describe("file provider", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("captures hashes and copies, then restores content, mode and absence", async () => {
    writeFileSync(join(dir, "app.conf"), "good\n");
    chmodSync(join(dir, "app.conf"), 0o640);
    writeFileSync(join(dir, "gone.conf"), "keep me\n");
    const ctx = fileContext(dir, { files: ["app.conf", "gone.conf", "later.conf"] });
    const good = await fileProvider.capture(ctx);
    expect(good.version).toMatch(/^[0-9a-f]{16}$/);
    expect(good.details).toMatchObject({
      files: {
        "app.conf": { mode: "0640" },
        "later.conf": { sha: "absent" },
      },
    });
    expect(readdirSync(join(dir, ".backout/blobs"))).toHaveLength(2);

    // The bad deploy: app.conf changed (and its mode), gone.conf deleted, later.conf added.
    writeFileSync(join(dir, "app.conf"), "bad\n");
    chmodSync(join(dir, "app.conf"), 0o666);
    rmSync(join(dir, "gone.conf"));
    writeFileSync(join(dir, "later.conf"), "new\n");
    const bad = await fileProvider.capture(ctx);
    expect(bad.version).not.toBe(good.version);

    const step = await planTo(ctx, good);
    if (step === undefined) throw new Error("expected a step");
    expect(step.action).toBe("restore-files");
    expect(step.risk.dataLoss).toBe(false);
    expect(step.risk.summary).toContain("copied to .backout/blobs");
    expect(step.reversible).toBe(true);
    expect(await fileProvider.verify(ctx, step)).toBe(false);

    await fileProvider.apply(ctx, step);
    expect(readFileSync(join(dir, "app.conf"), "utf8")).toBe("good\n");
    expect(modeOf(join(dir, "app.conf"))).toBe(0o640);
    expect(readFileSync(join(dir, "gone.conf"), "utf8")).toBe("keep me\n");
    expect(existsSync(join(dir, "later.conf"))).toBe(false);
    expect(await fileProvider.verify(ctx, step)).toBe(true);
    expect((await fileProvider.capture(ctx)).version).toBe(good.version);
    expect(await planTo(ctx, good)).toBeUndefined();
    // No temp files left beside the restored ones.
    expect(readdirSync(dir).filter((f) => f.includes("backout-")).length).toBe(0);

    // What was overwritten can be brought back: "bad" is a checkpoint like any other.
    const back = await planTo(ctx, bad);
    if (back === undefined) throw new Error("expected a step back");
    await fileProvider.apply(ctx, back);
    expect(readFileSync(join(dir, "app.conf"), "utf8")).toBe("bad\n");
    expect(readFileSync(join(dir, "later.conf"), "utf8")).toBe("new\n");
  });

  it("is idempotent and reruns the reload command each time", async () => {
    const records = join(dir, "records.jsonl");
    const tool = writeTool(dir);
    writeFileSync(join(dir, "a.conf"), "v1\n");
    const ctx = fileContext(
      dir,
      { files: ["a.conf"], reload: { command: [process.execPath, tool, "record", "--reload"] } },
      { RECORD_FILE: records },
    );
    const good = await fileProvider.capture(ctx);
    writeFileSync(join(dir, "a.conf"), "v2\n");
    const step = await planTo(ctx, good);
    if (step === undefined) throw new Error("expected a step");
    await fileProvider.apply(ctx, step);
    const again = await fileProvider.apply(ctx, step);
    expect(again.output).toContain("already as at the checkpoint");
    expect(readFileSync(join(dir, "a.conf"), "utf8")).toBe("v1\n");
    const runs = readRecords(records);
    expect(runs.map((r) => r.argv)).toEqual([
      ["record", "--reload"],
      ["record", "--reload"],
    ]);
    expect(runs[0]?.env).toMatchObject({ BACKOUT_COMPONENT: "conf" });
  });

  it("fails the step with COMMAND_FAILED when the reload command fails", async () => {
    const tool = writeTool(dir);
    writeFileSync(join(dir, "a.conf"), "v1\n");
    const ctx = fileContext(dir, {
      files: ["a.conf"],
      reload: { command: [process.execPath, tool, "fail", "2"] },
    });
    const good = await fileProvider.capture(ctx);
    writeFileSync(join(dir, "a.conf"), "v2\n");
    const step = await planTo(ctx, good);
    if (step === undefined) throw new Error("expected a step");
    const e = await expectBackoutError(fileProvider.apply(ctx, step), "COMMAND_FAILED");
    expect(e.retryable).toBe(true);
    expect(readFileSync(join(dir, "a.conf"), "utf8")).toBe("v1\n");
  });

  it("refuses to plan when a blob is missing, naming the file and the blob", async () => {
    writeFileSync(join(dir, "a.conf"), "v1\n");
    const ctx = fileContext(dir, { files: ["a.conf"], blobs: "store" });
    const good = await fileProvider.capture(ctx);
    writeFileSync(join(dir, "a.conf"), "v2\n");
    for (const f of readdirSync(join(dir, "store"))) rmSync(join(dir, "store", f));
    const e = await expectBackoutError(planTo(ctx, good), "PLAN_INVALID");
    expect(e.message).toContain("a.conf");
    expect(e.message).toContain(join(dir, "store"));
    expect(readFileSync(join(dir, "a.conf"), "utf8")).toBe("v2\n");
  });

  it("restores through a symlink, keeping the link, and refuses a damaged blob at apply", async () => {
    writeFileSync(join(dir, "real.conf"), "one\n");
    symlinkSync("real.conf", join(dir, "link.conf"));
    const ctx = fileContext(dir, { files: ["link.conf"] });
    const good = await fileProvider.capture(ctx);
    writeFileSync(join(dir, "real.conf"), "two\n");
    const step = await planTo(ctx, good);
    if (step === undefined) throw new Error("expected a step");
    await fileProvider.apply(ctx, step);
    expect(lstatSync(join(dir, "link.conf")).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, "real.conf"), "utf8")).toBe("one\n");

    writeFileSync(join(dir, "real.conf"), "three\n");
    const again = await planTo(ctx, good);
    if (again === undefined) throw new Error("expected a step");
    const sha = (good.details as { files: Record<string, { sha: string }> }).files["link.conf"]?.sha ?? "";
    writeFileSync(join(dir, ".backout/blobs", sha), "tampered\n");
    const e = await expectBackoutError(fileProvider.apply(ctx, again), "PLAN_INVALID");
    expect(e.message).toContain("damaged");
    expect(readFileSync(join(dir, "real.conf"), "utf8")).toBe("three\n");
  });

  it("keeps shell metacharacters in file names literal", async () => {
    const name = `conf ${NASTY}`;
    writeFileSync(join(dir, name), "one\n");
    const ctx = fileContext(dir, { files: [name] });
    const good = await fileProvider.capture(ctx);
    writeFileSync(join(dir, name), "two\n");
    const step = await planTo(ctx, good);
    if (step === undefined) throw new Error("expected a step");
    await fileProvider.apply(ctx, step);
    expect(readFileSync(join(dir, name), "utf8")).toBe("one\n");
    expect(existsSync(join(dir, "CANARY"))).toBe(false);
  });
});
