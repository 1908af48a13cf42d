/**
 * Every error code has its exit code in one record (ERROR_EXIT): a new code without one does not
 * compile. The mapping is the one scripts rely on (README "Exit codes"), pinned here code by code.
 */
import { describe, expect, it } from "vitest";
import { exitCodeForError } from "../../src/cli/exit-codes.js";
import { ERROR_CODES } from "../../src/core/errors.js";

const USAGE = [
  "USAGE",
  "CONFIG_NOT_FOUND",
  "CONFIG_YAML",
  "CONFIG_INVALID",
  "CONFIG_UNKNOWN_KIND",
  "CONFIG_UNKNOWN_DEPENDENCY",
  "CONFIG_CYCLE",
  "CONFIG_ENV_MISSING",
  "CHECKPOINT_NOT_FOUND",
  "CHECKPOINT_INCOMPLETE",
  "NO_GOOD_CHECKPOINT",
  "ROLLBACK_NOT_FOUND",
  "UNKNOWN_COMPONENT",
  "PLAN_INVALID",
  "PLAN_STALE",
  "PLAN_DRIFTED",
  "PLAN_FILE_INVALID",
  "COMPATIBILITY_UNSATISFIABLE",
  "CONFIRMATION_MISMATCH",
  "NESTED_ROLLBACK",
  "ROLLBACK_NOT_RESUMABLE",
  "PG_PRIVILEGE_MISSING",
  "AUTH_FAILED",
  "FORBIDDEN",
];
const LOCK = ["LOCK_BUSY", "LOCK_LOST", "ROLLBACK_INTERRUPTED"];

describe("exit code of every error code", () => {
  it("usage 2, lock 4, every other code 1", () => {
    const byCode = Object.fromEntries(ERROR_CODES.map((c) => [c, exitCodeForError(c)]));
    const expected = Object.fromEntries(
      ERROR_CODES.map((c) => [c, USAGE.includes(c) ? 2 : LOCK.includes(c) ? 4 : 1]),
    );
    expect(byCode).toEqual(expected);
    expect(ERROR_CODES).toEqual(expect.arrayContaining([...USAGE, ...LOCK, "PROVIDER_FAILED", "INTERNAL"]));
  });
});
