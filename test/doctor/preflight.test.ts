/** `plan --preflight`: a plan that a failing doctor check would break says so, names the step, exits 1. */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "../e2e/cli.js";
import { freePort } from "../support/free-port.js";

describe("plan --preflight", () => {
  it("names the step a failing check breaks, and passes once nothing fails", async () => {
    const dir = tempDir("preflight");
    mkdirSync(join(dir, "app", "releases", "v1"), { recursive: true });
    mkdirSync(join(dir, "app", "releases", "v2"), { recursive: true });
    symlinkSync("releases/v1", join(dir, "app", "current"));
    const port = await freePort();
    const yaml = (health: string) =>
      `version: 1\nenvironment: t\ncomponents:\n  web:\n    kind: release\n    path: app\n${health}`;
    writeFileSync(join(dir, "backout.yaml"), yaml(""));
    expect((await cli(["checkpoint", "--good"], { cwd: dir })).exitCode).toBe(0);
    symlinkSync("releases/v2", join(dir, "app", "next"));
    renameSync(join(dir, "app", "next"), join(dir, "app", "current"));

    const clean = await cli(["plan", "--preflight"], { cwd: dir });
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toContain("Nothing found that would break this plan.");

    // The health check after the switch cannot answer: the step would fail after its retries.
    writeFileSync(
      join(dir, "backout.yaml"),
      yaml(`    health: { http: "http://127.0.0.1:${port}/health", retries: 0, timeout: 1 }\n`),
    );
    const broken = await cli(["plan", "--preflight"], { cwd: dir });
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toContain("This plan would fail:");
    expect(broken.stdout).toMatch(/web#\d+:[\w-]+: web: health now FAIL/);
    expect(broken.stdout).toContain("fix:");
    const json = await cli(["plan", "--preflight", "--json"], { cwd: dir });
    const parsed = JSON.parse(json.stdout) as { preflight: { breaks: { step: string; check: string }[] } };
    expect(parsed.preflight.breaks.some((b) => b.check === "web: health now")).toBe(true);
    // Without --preflight, plan stays what it was: no checks run, exit 0.
    expect((await cli(["plan"], { cwd: dir })).exitCode).toBe(0);
  });
});
