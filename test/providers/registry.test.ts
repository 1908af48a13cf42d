import { describe, expect, it } from "vitest";
import { builtinProviders } from "../../src/providers/index.js";

describe("builtinProviders", () => {
  it("maps each kind to its provider, with its layer", () => {
    const registry = builtinProviders();
    const layers = Object.fromEntries([...registry].map(([kind, p]) => [kind, p.defaultLayer]));
    expect(layers).toEqual({
      command: "app",
      file: "config",
      git: "config",
      haproxy: "traffic",
      nginx: "traffic",
      postgres: "database",
      redis: "cache",
      release: "app",
    });
    for (const [kind, p] of registry) {
      expect(p.kind).toBe(kind);
      expect(p.description).not.toBe("");
    }
  });
});
