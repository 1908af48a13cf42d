import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import { assertValidRange, versionSatisfies } from "../../src/core/planner/version-match.js";

describe("versionSatisfies: migration numbers", () => {
  it("compares <=41 numerically", () => {
    expect(versionSatisfies("41", "<=41")).toBe(true);
    expect(versionSatisfies("42", "<=41")).toBe(false);
    expect(versionSatisfies("20240101120000", "<=41")).toBe(false);
    expect(versionSatisfies("9", "<=41")).toBe(true); // not as strings: "9" > "41"
  });

  it("handles timestamps beyond 2^53 and leading zeros exactly", () => {
    expect(versionSatisfies("20240101120000", "<=20240101120000")).toBe(true);
    expect(versionSatisfies("20240101120001", "<=20240101120000")).toBe(false);
    expect(versionSatisfies("99999999999999999999", ">99999999999999999998")).toBe(true);
    expect(versionSatisfies("0041", "=41")).toBe(true);
  });

  it("supports <, =, bare numbers, intersections and unions", () => {
    expect(versionSatisfies("41", "<42")).toBe(true);
    expect(versionSatisfies("42", "<42")).toBe(false);
    expect(versionSatisfies("41", "41")).toBe(true);
    expect(versionSatisfies("40", "=41")).toBe(false);
    expect(versionSatisfies("41", ">=40 <42")).toBe(true);
    expect(versionSatisfies("42", ">=40 <42")).toBe(false);
    expect(versionSatisfies("39", ">=40 <42")).toBe(false);
    expect(versionSatisfies("41", ">= 40 < 42")).toBe(true);
    expect(versionSatisfies("50", "<40 || =50")).toBe(true);
  });
});

describe("versionSatisfies: semver", () => {
  it("applies semver ranges to versions that look like versions", () => {
    expect(versionSatisfies("1.9.3", "<2.0.0")).toBe(true);
    expect(versionSatisfies("2.1.0", "<2.0.0")).toBe(false);
    expect(versionSatisfies("v1.5.0", "^1.4")).toBe(true);
    expect(versionSatisfies("1.3.9", "^1.4")).toBe(false);
    expect(versionSatisfies("1.7", "1.x")).toBe(true);
    expect(versionSatisfies("release-1.2.0", "1.x")).toBe(true);
  });

  it("orders prereleases instead of excluding them", () => {
    expect(versionSatisfies("2.0.0-rc.1", "<2.0.0")).toBe(true);
    expect(versionSatisfies("2.0.0-rc.1", ">=2.0.0")).toBe(false);
  });

  it("does not read digits out of a commit hash", () => {
    expect(versionSatisfies("a1b2c3d", "1.x")).toBe(false);
  });
});

describe("versionSatisfies: plain versions and invalid ranges", () => {
  it("compares other strings for equality", () => {
    expect(versionSatisfies("a1b2c3d", "a1b2c3d")).toBe(true);
    expect(versionSatisfies("a1b2c3d", "ffee001")).toBe(false);
  });

  it("rejects ranges it cannot read, with the valid forms in the hint", () => {
    for (const bad of ["<<2", ">=abc", "", "  "]) {
      let err: unknown;
      try {
        versionSatisfies("41", bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BackoutError);
      expect((err as BackoutError).code).toBe("PLAN_INVALID");
      expect((err as BackoutError).hint).toContain("<=41");
      expect((err as BackoutError).hint).toContain("^1.4");
    }
    expect(() => assertValidRange(">=40 <42")).not.toThrow();
  });
});
