/**
 * Files that used to crash loading with INTERNAL (a stack overflow on a long cycle, an alias
 * bomb, a duration past Node's timer range) are configuration errors: exit 2, nothing run.
 */
import { describe, expect, it } from "vitest";
import { exitCodeForError } from "../../src/cli/exit-codes.js";
import { loadError, yaml } from "./fixtures.js";

const HEAD = ["version: 1", "environment: prod", "components:"];

describe("loading stays a configuration error at the limits", () => {
  it("a dependency cycle through 5,000 components is CONFIG_CYCLE, not a stack overflow", () => {
    const n = 5000;
    const lines = Array.from(
      { length: n },
      (_, i) => `  c${i}: { kind: command, apply: [x], dependsOn: [c${(i + 1) % n}] }`,
    );
    const { error } = loadError(yaml(...HEAD, ...lines));
    expect(error.code).toBe("CONFIG_CYCLE");
    expect(exitCodeForError(error.code)).toBe(2);
    expect(error.message).not.toMatch(/call stack/i);
  });

  it("a YAML alias bomb is CONFIG_INVALID or CONFIG_YAML, not INTERNAL", () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]",
      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]",
    ];
    const { error } = loadError(yaml(...bomb, ...HEAD, "  api: { kind: command, apply: [x] }"));
    expect(["CONFIG_INVALID", "CONFIG_YAML"]).toContain(error.code);
    expect(exitCodeForError(error.code)).toBe(2);
  });

  it.each(["30d", 1e308, "9999999999999999999999h"])(
    "timeLimit %s, beyond what a timer can wait, is refused with the bound",
    (value) => {
      const { error } = loadError(
        yaml(
          ...HEAD,
          "  api: { kind: command, apply: [x] }",
          "policies:",
          `  timeLimit: ${typeof value === "string" ? JSON.stringify(value) : String(value)}`,
        ),
      );
      expect(error.code).toBe("CONFIG_INVALID");
      expect(error.where).toMatchObject({ field: "policies.timeLimit" });
      expect(error.message).toContain("7 days");
    },
  );
});
