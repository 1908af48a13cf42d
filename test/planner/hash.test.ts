import { describe, expect, it } from "vitest";
import { canonicalJson, planHash } from "../../src/core/planner/hash.js";

describe("canonicalJson", () => {
  it("sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("drops undefined members like JSON.stringify", () => {
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });
});

describe("planHash", () => {
  it("ignores the hash field itself", () => {
    const plan = { formatVersion: 1 as const, environment: "prod" };
    expect(planHash({ ...plan, hash: "x" } as never)).toBe(planHash(plan as never));
    expect(planHash(plan as never)).toMatch(/^[0-9a-f]{64}$/);
  });
});
