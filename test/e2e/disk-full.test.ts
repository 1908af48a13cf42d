/**
 * The store's disk fills up while a step runs (a 1 MiB tmpfs, filled by the step itself): the
 * journal write after the step fails with SQLITE_FULL. backout must stop with STORE_FAILED saying
 * the disk is full, with no unhandled rejection or stack trace, and once space is freed the
 * rollback resumes to success with the step applied once. Needs root to mount the tmpfs (CI and
 * the developers' machines are root); elsewhere the test says why it cannot run.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli, commandComponent, tempDir, writeStepScripts } from "./cli.js";

const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) {
    try {
      execFileSync("umount", [m]);
    } catch {
      /* already gone */
    }
  }
});

describe("disk full under the store", () => {
  it.runIf(isRoot)(
    "a full disk mid-step stops with STORE_FAILED (no stack trace) and resume finishes once space is back (needs root for tmpfs)",
    async () => {
      const dir = tempDir("disk-full");
      writeStepScripts(dir);
      const storeDir = join(dir, "store");
      mkdirSync(storeDir);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", storeDir]);
      mounts.push(storeDir);
      const filler = join(storeDir, "filler");
      // The step fills the store's disk before it applies, so the journal write after it fails.
      const fill = join(dir, "fill.mjs");
      writeFileSync(
        fill,
        `import { appendFileSync, existsSync } from "node:fs";
const [file, flag] = process.argv.slice(2);
if (!existsSync(flag)) {
  appendFileSync(flag, "1");
  try { for (;;) appendFileSync(file, Buffer.alloc(16 * 1024, 1)); } catch {}
}
`,
      );
      const node = JSON.stringify(process.execPath);
      writeFileSync(
        join(dir, "backout.yaml"),
        `version: 1
environment: disk-full
store: { path: store }
policies: { timeLimit: 2m }
components:
${commandComponent(dir, "api", [])}  filler:
    kind: command
    dependsOn: [api]
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "state", "filler"))}]
    apply: [${node}, ${JSON.stringify(fill)}, ${JSON.stringify(filler)}, ${JSON.stringify(join(dir, "filled"))}]
`,
      );
      writeFileSync(join(dir, "state", "api"), "v1");
      writeFileSync(join(dir, "state", "filler"), "v1");
      const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir });
      expect(cp.exitCode, cp.stderr).toBe(0);
      writeFileSync(join(dir, "state", "api"), "v2");
      writeFileSync(join(dir, "state", "filler"), "v2");

      const run = await cli(["run"], { cwd: dir });
      const output = run.stdout + run.stderr;
      expect(run.exitCode, output).not.toBe(0);
      expect(output).toContain("STORE_FAILED");
      expect(output).toMatch(/disk is full/i);
      expect(output).not.toMatch(/Unhandled|UnhandledPromiseRejection|^\s+at .+\(.+:\d+:\d+\)$/m);

      rmSync(filler, { force: true });
      const resumed = await cli(["resume"], { cwd: dir });
      expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(0);
      expect(readFileSync(join(dir, "state", "api"), "utf8")).toBe("v1");
      const applications = readFileSync(join(dir, "side-effects.log"), "utf8").trim().split("\n");
      expect(applications).toEqual(["api v1"]);
    },
  );
});
