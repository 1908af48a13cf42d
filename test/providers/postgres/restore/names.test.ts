import { describe, expect, it } from "vitest";
import { beforePrefix, restoreNames, shortId } from "../../../../src/providers/postgres/restore/names.js";

describe("restore names", () => {
  it("derive short, stable names from the rollback id", () => {
    expect(shortId("RB-2024_abcdef-99")).toBe("rb2024ab");
    expect(restoreNames("shop", "RB-1")).toEqual({
      live: "shop",
      restored: "shop__restored_rb1",
      before: "shop__before_rb1",
    });
    expect(() => shortId("---")).toThrow(/no letter or digit/);
  });

  it("cut the base, never the suffix, to fit 63 bytes (multibyte names too)", () => {
    const long = "é".repeat(40); // 80 bytes
    const { before, restored } = restoreNames(long, "abcdefgh12");
    expect(Buffer.byteLength(before)).toBeLessThanOrEqual(63);
    expect(Buffer.byteLength(restored)).toBeLessThanOrEqual(63);
    expect(before.endsWith("__before_abcdefgh")).toBe(true);
    expect(before.startsWith(beforePrefix(long))).toBe(true);
    expect(restoreNames(long, "x").before.startsWith(beforePrefix(long))).toBe(true);
  });
});
