import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/config/durations.js";

describe("durations", () => {
  it("parses numbers as seconds and unit strings", () => {
    expect(parseDuration(30)).toBe(30_000);
    expect(parseDuration(0.5)).toBe(500);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("15m")).toBe(900_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("2d")).toBe(172_800_000);
    expect(parseDuration("45")).toBe(45_000);
    expect(parseDuration("0s")).toBe(0);
  });

  it("rejects anything else", () => {
    for (const bad of ["", "soon", "1x", "-1s", "1 h", "h1", "1h 30m"])
      expect(parseDuration(bad), bad).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
  });

  it("formats milliseconds readably and round-trips", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(250)).toBe("250ms");
    expect(formatDuration(1500)).toBe("1.5s");
    expect(formatDuration(90_000)).toBe("1m30s");
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(3_600_000)).toBe("1h");
    for (const ms of [250, 1500, 90_000, 5_400_000, 3_661_000])
      expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
