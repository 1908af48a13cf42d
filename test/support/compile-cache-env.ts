/**
 * The bundled CLI keeps V8's code cache under the user's home by default
 * (src/cli/compile-cache.ts): tests that run it keep theirs in a temporary directory of their
 * own, passed explicitly so no other test's environment sees the variable.
 */
import { tempDir } from "./temp-dir.js";

let dir: string | undefined;

export function compileCacheEnv(): { BACKOUT_COMPILE_CACHE: string } {
  return { BACKOUT_COMPILE_CACHE: (dir ??= tempDir("compile-cache")) };
}
