/** Runs in every test file (vitest setupFiles): per-file clean-up of what test/support made. */
import { afterAll } from "vitest";
import { removeTempDirs, tempDir } from "./temp-dir.js";

afterAll(() => {
  removeTempDirs();
});

// The bundled CLI keeps V8's code cache under the user's home by default (compile-cache.ts):
// tests that run it keep theirs in their own temporary directory instead.
process.env.BACKOUT_COMPILE_CACHE ??= tempDir("compile-cache");
