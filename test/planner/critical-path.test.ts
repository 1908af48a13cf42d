import { describe, expect, it } from "vitest";
import { estimateLowerBoundMs, priorities } from "../../src/core/planner/critical-path.js";

// a(100) → b(300) → d(50);  a → c(10) → d;  e(1000) alone.
const steps = [
  { id: "a", after: [], estimateMs: 100 },
  { id: "b", after: ["a"], estimateMs: 300 },
  { id: "c", after: ["a"], estimateMs: 10 },
  { id: "d", after: ["b", "c"], estimateMs: 50 },
  { id: "e", after: [], estimateMs: 1000 },
];

describe("critical path", () => {
  it("gives each step the longest path from it to a sink", () => {
    expect(Object.fromEntries(priorities(steps))).toEqual({ a: 450, b: 350, c: 60, d: 50, e: 1000 });
  });

  it("counts steps without an estimate as 1 ms", () => {
    const p = priorities([
      { id: "x", after: [] },
      { id: "y", after: ["x"] },
    ]);
    expect(p.get("x")).toBe(2);
  });

  it("bounds the duration by the longest chain and by total work over concurrency", () => {
    expect(estimateLowerBoundMs(steps, 4)).toBe(1000); // longest: e
    expect(estimateLowerBoundMs(steps, 1)).toBe(1460); // all of it, one at a time
    expect(estimateLowerBoundMs([], 4)).toBe(0);
  });
});
