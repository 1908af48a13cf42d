import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { releaseProvider } from "../../../src/providers/release/index.js";
import { contextFor } from "../context.js";
import { expectBackoutError, tempDir } from "../fixtures.js";
import { makeReleases } from "./layout-fixture.js";

describe("release provider: capture and plan", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("captures the release current points at, resolving a relative path against baseDir", async () => {
    makeReleases(join(dir, "app"), ["20240101", "20240202"]);
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: "app" } });
    const state = await releaseProvider.capture(ctx);
    expect(state).toEqual({
      version: "20240202",
      details: {
        releasesDir: join(dir, "app", "releases"),
        target: join(dir, "app", "releases", "20240202"),
      },
    });
  });

  it("understands Capistrano's absolute links", async () => {
    const root = join(dir, "app");
    makeReleases(root, ["a", "b"], null);
    symlinkSync(join(root, "releases", "a"), join(root, "current"));
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: root } });
    expect((await releaseProvider.capture(ctx)).version).toBe("a");
  });

  it("refuses to capture without a current link, naming the component", async () => {
    mkdirSync(join(dir, "app", "releases"), { recursive: true });
    const ctx = contextFor(releaseProvider, { name: "api", baseDir: dir, settings: { path: "app" } });
    const e = await expectBackoutError(releaseProvider.capture(ctx), "PROVIDER_FAILED");
    expect(e.where?.component).toBe("api");
    expect(e.hint).toBeTruthy();
  });

  it("refuses a current link that points outside releases/", async () => {
    const root = join(dir, "app");
    mkdirSync(join(root, "elsewhere"), { recursive: true });
    symlinkSync("elsewhere", join(root, "current"));
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: root } });
    await expectBackoutError(releaseProvider.capture(ctx), "PROVIDER_FAILED");
  });

  it("plans nothing when already at the target", async () => {
    makeReleases(join(dir, "app"), ["a", "b"]);
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: "app" } });
    expect(await releaseProvider.plan(ctx, { version: "b" }, { version: "b" })).toEqual([]);
  });

  it("plans one reversible, lossless switch-release step", async () => {
    makeReleases(join(dir, "app"), ["a", "b"]);
    const ctx = contextFor(releaseProvider, { name: "api", baseDir: dir, settings: { path: "app" } });
    const [step, ...rest] = await releaseProvider.plan(ctx, { version: "b" }, { version: "a" });
    expect(rest).toEqual([]);
    expect(step).toMatchObject({
      action: "switch-release",
      description: "switch api current → releases/a (was b)",
      params: { release: "a", path: join(dir, "app") },
      target: { version: "a" },
      risk: { dataLoss: false, summary: "symlink swap; previous release kept" },
      reversible: true,
    });
    expect(step?.estimateMs).toBeGreaterThan(0);
  });

  it("the step carries the restart command and health check it will run (hashed, shown)", async () => {
    makeReleases(join(dir, "app"), ["a", "b"]);
    const settings = {
      path: "app",
      restart: { command: ["systemctl", "restart", "api"] },
      health: { http: "http://127.0.0.1:9/health" },
    };
    const ctx = contextFor(releaseProvider, { name: "api", baseDir: dir, settings });
    const [step] = await releaseProvider.plan(ctx, { version: "b" }, { version: "a" });
    expect(step?.params).toMatchObject({
      restart: { argv: ["systemctl", "restart", "api"], timeout: "60s" },
      health: { http: "http://127.0.0.1:9/health", expectStatus: 200 },
    });
  });

  it("refuses to plan towards a pruned release, before anything runs", async () => {
    makeReleases(join(dir, "app"), ["a", "b"]);
    rmSync(join(dir, "app", "releases", "a"), { recursive: true });
    const ctx = contextFor(releaseProvider, { name: "api", baseDir: dir, settings: { path: "app" } });
    const e = await expectBackoutError(
      releaseProvider.plan(ctx, { version: "b" }, { version: "a" }),
      "PLAN_INVALID",
    );
    expect(e.message).toBe(`release "a" is missing: ${join(dir, "app", "releases", "a")}`);
    expect(e.where?.component).toBe("api");
    expect(e.hint).toMatch(/pruned/);
    expect(e.retryable).toBe(false);
  });

  it.each(["..", ".", "a/b", "../b", ""])("refuses the release name %j", async (name) => {
    makeReleases(join(dir, "app"), ["b"]);
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: "app" } });
    await expectBackoutError(releaseProvider.plan(ctx, { version: "b" }, { version: name }), "PLAN_INVALID");
  });

  it("validates settings strictly", () => {
    expect(releaseProvider.settingsSchema.safeParse({ path: "x", extra: 1 }).success).toBe(false);
    expect(releaseProvider.settingsSchema.safeParse({ path: "x", health: {} }).success).toBe(false);
    expect(
      releaseProvider.settingsSchema.safeParse({ path: "x", health: { http: "ftp://h/" } }).success,
    ).toBe(false);
    const parsed = releaseProvider.settingsSchema.parse({
      path: "x",
      restart: { command: ["true"] },
      health: { http: "http://127.0.0.1:1/health" },
    });
    expect(parsed).toEqual({
      path: "x",
      restart: { command: ["true"], timeout: "60s" },
      health: {
        http: "http://127.0.0.1:1/health",
        expectStatus: 200,
        timeout: "5s",
        retries: 10,
        interval: "500ms",
      },
    });
  });
});
