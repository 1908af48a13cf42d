import { describe, expect, it } from "vitest";
import type { Provider } from "../../src/core/provider.js";
import {
  builtinProviders,
  commandProvider,
  fileProvider,
  gitProvider,
  haproxyProvider,
  nginxProvider,
  postgresProvider,
  redisProvider,
  releaseProvider,
} from "../../src/providers/index.js";

const loaded: Provider<never>[] = [
  releaseProvider,
  commandProvider,
  gitProvider,
  fileProvider,
  postgresProvider,
  nginxProvider,
  haproxyProvider,
  redisProvider,
];

const methods = (p: object) =>
  Object.entries(p)
    .filter(([, v]) => typeof v === "function")
    .map(([k]) => k)
    .sort();

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

  // The registry's entries load their code on first call; callers test for optional
  // capabilities (`archive?.`, `drill`, `wrap`) on them, so each must offer exactly what the
  // loaded provider has, with the same schema, layer and description.
  it("offers exactly the loaded providers' methods and facts, in the schema's order", () => {
    const registry = builtinProviders();
    expect([...registry.keys()]).toEqual(loaded.map((p) => p.kind));
    for (const real of loaded) {
      const lazy = registry.get(real.kind);
      expect(lazy, real.kind).toBeDefined();
      if (lazy === undefined) continue;
      expect(methods(lazy), real.kind).toEqual(methods(real));
      expect(lazy.settingsSchema).toBe(real.settingsSchema);
      expect(lazy.defaultLayer).toBe(real.defaultLayer);
      expect(lazy.description).toBe(real.description);
      // eslint-disable-next-line @typescript-eslint/unbound-method -- compared, not called
      expect(lazy.satisfies).toBe(real.satisfies);
    }
  });

  it("loads a provider's code on its first call and passes the call through", async () => {
    const lazy = builtinProviders().get("command");
    const ctx = { component: { settings: {} } } as never;
    // The loaded provider's own answer (here its settings error) comes back unchanged.
    const direct = await commandProvider.capture(ctx).catch((e: unknown) => e);
    const through = await lazy?.capture(ctx).catch((e: unknown) => e);
    expect(through).toEqual(direct);
    expect(direct).toBeInstanceOf(Error);
  });
});
