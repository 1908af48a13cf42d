import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./cli.js";

const BAD: [string, string, RegExp, string][] = [
  [
    "YAML syntax error",
    "version: 1\nenvironment: x\ncomponents:\n  api:\n    kind: release\n   path: /srv/api\n",
    /CONFIG_YAML/,
    "backout.yaml:6:4",
  ],
  [
    "unknown kind",
    "version: 1\nenvironment: x\ncomponents:\n  api:\n    kind: relase\n    path: /srv/api\n",
    /CONFIG_UNKNOWN_KIND[\s\S]*release/,
    "backout.yaml:5:11",
  ],
  [
    "unknown dependency",
    "version: 1\nenvironment: x\ncomponents:\n  api:\n    kind: release\n    path: /srv/api\n    dependsOn: [db]\n",
    /CONFIG_UNKNOWN_DEPENDENCY[\s\S]*db/,
    "backout.yaml:7",
  ],
  [
    "dependency cycle",
    "version: 1\nenvironment: x\ncomponents:\n  a:\n    kind: release\n    path: /a\n    dependsOn: [b]\n  b:\n    kind: release\n    path: /b\n    dependsOn: [a]\n",
    /CONFIG_CYCLE[\s\S]*a → b → a/,
    "backout.yaml:",
  ],
  [
    "missing field",
    "version: 1\nenvironment: x\ncomponents:\n  api:\n    kind: release\n",
    /CONFIG_INVALID[\s\S]*path/,
    "backout.yaml:",
  ],
  [
    "wrong type",
    "version: 1\nenvironment: x\npolicies:\n  concurrency: many\ncomponents:\n  api:\n    kind: release\n    path: /srv/api\n",
    /CONFIG_INVALID[\s\S]*policies\.concurrency/,
    "backout.yaml:4:16",
  ],
];

describe("bad environment files: a clear error with its location, exit code 2, nothing changed", () => {
  it.each(BAD)("%s", async (_name, yaml, message, location) => {
    const dir = tempDir("config");
    writeFileSync(join(dir, "backout.yaml"), yaml);
    for (const args of [["checkpoint"], ["plan"], ["run"]]) {
      const r = await cli(args, { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(location);
      expect(r.stderr).toMatch(/fix: /);
    }
    // Nothing was created: no store, no checkpoint, no rollback.
    expect(existsSync(join(dir, ".backout"))).toBe(false);
  });

  it("a missing environment file says where it looked and what to do", async () => {
    const dir = tempDir("config");
    const r = await cli(["status"], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/CONFIG_NOT_FOUND[\s\S]*backout\.yaml/);
  });

  it("an unknown command or option is a usage error (exit 2)", async () => {
    const dir = tempDir("config");
    expect((await cli(["rollback-everything"], { cwd: dir })).exitCode).toBe(2);
    expect((await cli(["run", "--frobnicate"], { cwd: dir })).exitCode).toBe(2);
  });
});
