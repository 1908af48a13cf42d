import { describe, expect, it } from "vitest";
import {
  beforePrefix,
  idTag,
  restoreNames,
} from "../../../../../src/providers/postgres/strategies/restore/copy/names.js";

describe("restore names", () => {
  it("are unique per rollback id, also for ids that share their first letters and digits", () => {
    // Rollback ids of one week share "r2026120": the old 8-character names collided.
    const ids = ["r-20261201-093000-3fa9", "r-20261203-101500-77c1", "r-20261209-230000-0b2e"];
    const tags = ids.map(idTag);
    expect(new Set(tags).size).toBe(3);
    expect(tags[0]).toMatch(/^r202612010930003fa9_[0-9a-f]{8}$/);
    // Two ids with the same letters and digits still differ (the hash is of the whole id).
    expect(idTag("a-1")).not.toBe(idTag("a1"));
    expect(restoreNames("shop", ids[0] ?? "").before).toBe(`shop__before_${tags[0]}`);
    expect(restoreNames("shop", ids[0] ?? "").restored).toBe(`shop__restored_${tags[0]}`);
    expect(idTag("---")).toMatch(/^r_[0-9a-f]{8}$/);
  });

  it("cut the base, never the suffix, to fit 63 bytes (multibyte names too)", () => {
    const long = "é".repeat(40); // 80 bytes
    const { before, restored } = restoreNames(long, "r-20261201-093000-3fa9");
    expect(Buffer.byteLength(before)).toBeLessThanOrEqual(63);
    expect(Buffer.byteLength(restored)).toBeLessThanOrEqual(63);
    expect(before.endsWith(`__before_${idTag("r-20261201-093000-3fa9")}`)).toBe(true);
    expect(before.startsWith(beforePrefix(long))).toBe(true);
    expect(restoreNames(long, "x").before.startsWith(beforePrefix(long))).toBe(true);
    const longId = "manual-2026-12-01T09:30:00.000Z-and-more-text";
    expect(Buffer.byteLength(restoreNames(long, longId).restored)).toBeLessThanOrEqual(63);
  });
});
