import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const created = new Set<string>();

/**
 * A fresh, empty, real directory (realpath, so cwd comparisons hold) for one test or file. It
 * is removed when the test file ends (test/support/setup.ts), or left for a look when
 * BACKOUT_KEEP_TEMP=1.
 */
export function tempDir(prefix = "test"): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `backout-${prefix}-`)));
  created.add(dir);
  return dir;
}

/** Removes every directory tempDir made in this test file (the setup file calls it). */
export function removeTempDirs(): void {
  if (process.env.BACKOUT_KEEP_TEMP === "1") return;
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  created.clear();
}
