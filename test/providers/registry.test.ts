import { describe, expect, it } from "vitest";
import { builtinProviders } from "../../src/providers/index.js";

describe("builtinProviders", () => {
  it("maps each kind to its provider", () => {
    const registry = builtinProviders();
    expect([...registry.keys()].sort()).toEqual(["command", "release"]);
    for (const [kind, p] of registry) {
      expect(p.kind).toBe(kind);
      expect(p.description).not.toBe("");
      expect(p.defaultLayer).toBe("app");
    }
  });
});
