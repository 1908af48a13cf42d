/** Runs in every test file (vitest setupFiles): per-file clean-up of what test/support made. */
import { afterAll } from "vitest";
import { removeTempDirs } from "./temp-dir.js";

afterAll(() => {
  removeTempDirs();
});
