/**
 * README "Set up, test, try": `npx backout demo` runs the package's bin, the esbuild bundle, and
 * must show a rollback that succeeds. In the bundle the demo's restart command once did nothing
 * (its entry check sat in a shared chunk), so the rollback escalated on a health check.
 */
import { execa } from "execa";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileCacheEnv } from "../support/compile-cache-env.js";
import { CLI, tempDir } from "./cli.js";

const BUNDLE = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli-bundle/backout.js");

describe("backout demo, as the README runs it", () => {
  it.each([
    ["the package's bin (bundle)", BUNDLE],
    ["tsc's module tree", CLI],
  ])(
    "%s: both services roll back to v1.4.0 and answer 200",
    async (_name, bin) => {
      const r = await execa(process.execPath, [bin, "demo"], {
        cwd: tempDir("readme-demo"),
        env: { BACKOUT_ACTIVE_ROLLBACK: "", ...compileCacheEnv() },
        reject: false,
        stdin: "ignore",
      });
      const stdout = String(r.stdout);
      expect(stdout).toMatch(/rollback r-\S+: succeeded/);
      expect(stdout).toContain("api: api v1.4.0, /health → 200 ok");
      expect(stdout).toContain("web: web v1.4.0, /health → 200 ok");
      expect(r.exitCode).toBe(0);
    },
    120_000,
  );
});
