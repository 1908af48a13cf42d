import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import type { ComponentConfig } from "../../src/core/model.js";
import { resolveScope } from "../../src/core/planner/scope.js";
import { component, states } from "./fixtures.js";

function thrown(fn: () => unknown): BackoutError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BackoutError) return e;
    throw e;
  }
  throw new Error("expected a BackoutError");
}

// api@<2.0 needs db schema <= 41 and cache 1.x; web has no rules.
const components: ComponentConfig[] = [
  component("web", { dependsOn: ["api"] }),
  component("api", {
    dependsOn: ["db", "cache"],
    compatibility: [{ when: "<2.0.0", requires: { db: "<=41", cache: "1.x" } }],
  }),
  component("db", { kind: "postgres", layer: "database" }),
  component("cache", { kind: "redis", layer: "cache" }),
];
const current = states({ web: "2.1.0", api: "2.1.0", db: "43", cache: "1.9.0" });
const target = states({ web: "2.0.0", api: "1.9.0", db: "41", cache: "1.8.0" });

describe("resolveScope", () => {
  it("selects everything when neither --only nor --except is given", () => {
    const scope = resolveScope({ components, current, target, only: [], except: [] });
    expect([...scope.selected.entries()]).toEqual([
      ["web", { reason: "selected" }],
      ["api", { reason: "selected" }],
      ["db", { reason: "selected" }],
      ["cache", { reason: "selected" }],
    ]);
  });

  it("--only pulls in exactly the dependency a compatibility rule needs, with its reason", () => {
    const scope = resolveScope({ components, current, target, only: ["api"], except: [] });
    expect([...scope.selected.keys()]).toEqual(["api", "db"]);
    expect(scope.selected.get("api")).toEqual({ reason: "selected" });
    expect(scope.selected.get("db")).toEqual({
      reason: "pulled-in",
      because: "api@1.9.0 requires db <=41; db is now at 43",
    });
    // cache 1.9.0 already satisfies 1.x, and web's dependency on api pulls nothing in.
    expect(scope.selected.has("cache")).toBe(false);
    expect(scope.selected.has("web")).toBe(false);
  });

  it("pulls nothing in when the rule does not apply to the target version", () => {
    const t = { ...target, api: { version: "2.0.5" } };
    const scope = resolveScope({ components, current, target: t, only: ["api"], except: [] });
    expect([...scope.selected.keys()]).toEqual(["api"]);
  });

  it("--except selects all the others", () => {
    const ok = { ...current, db: { version: "41" } };
    const scope = resolveScope({ components, current: ok, target, only: [], except: ["db"] });
    expect([...scope.selected.keys()]).toEqual(["web", "api", "cache"]);
  });

  it("pulls in transitively, up to a fixpoint", () => {
    const chain = [
      component("a", { compatibility: [{ when: "1", requires: { b: "1" } }] }),
      component("b", { compatibility: [{ when: "1", requires: { c: "<=5" } }] }),
      component("c"),
      component("d"),
    ];
    const scope = resolveScope({
      components: chain,
      current: states({ a: "2", b: "2", c: "9", d: "2" }),
      target: states({ a: "1", b: "1", c: "5", d: "1" }),
      only: ["a"],
      except: [],
    });
    expect([...scope.selected.keys()]).toEqual(["a", "b", "c"]);
    expect(scope.selected.get("c")?.because).toBe("b@1 requires c <=5; c is now at 9");
  });

  it("re-checks a rule when its dependency is pulled in later by another rule", () => {
    // x's rule accepts y's current state; z then pulls y back to a state x cannot accept.
    const comps = [
      component("x", { compatibility: [{ when: "*", requires: { y: ">=5" } }] }),
      component("z", { compatibility: [{ when: "*", requires: { y: "<5" } }] }),
      component("y"),
    ];
    const err = thrown(() =>
      resolveScope({
        components: comps,
        current: states({ x: "2", z: "2", y: "6" }),
        target: states({ x: "1", z: "1", y: "4" }),
        only: ["x", "z"],
        except: [],
      }),
    );
    expect(err.code).toBe("COMPATIBILITY_UNSATISFIABLE");
    expect(err.where?.component).toBe("x");
  });

  it("--except on a needed component is unsatisfiable", () => {
    const err = thrown(() => resolveScope({ components, current, target, only: [], except: ["db"] }));
    expect(err.code).toBe("COMPATIBILITY_UNSATISFIABLE");
    expect(err.message).toContain("api@1.9.0 requires db <=41");
    expect(err.message).toContain("43");
    expect(err.message).toContain("--except");
    expect(err.where).toEqual({ component: "api" });
  });

  it("is unsatisfiable when the checkpoint has no compatible state either", () => {
    const t = { ...target, db: { version: "42" } };
    const err = thrown(() => resolveScope({ components, current, target: t, only: ["api"], except: [] }));
    expect(err.code).toBe("COMPATIBILITY_UNSATISFIABLE");
    expect(err.message).toContain("db is now at 43 and at 42 in the checkpoint");
    expect(err.hint).toContain("another checkpoint");
  });

  it("is unsatisfiable when a selected dependency's checkpoint state breaks the rule", () => {
    const t = { ...target, db: { version: "42" } };
    const err = thrown(() => resolveScope({ components, current, target: t, only: [], except: [] }));
    expect(err.code).toBe("COMPATIBILITY_UNSATISFIABLE");
    expect(err.message).toContain("the checkpoint has db at 42");
  });

  it("names unknown components and lists the known ones", () => {
    const err = thrown(() => resolveScope({ components, current, target, only: ["api", "wbe"], except: [] }));
    expect(err.code).toBe("UNKNOWN_COMPONENT");
    expect(err.message).toContain("wbe");
    expect(err.hint).toBe("known components: web, api, db, cache");
  });

  it("refuses a selected component the checkpoint does not know", () => {
    const comps = [...components, component("search")];
    const err = thrown(() => resolveScope({ components: comps, current, target, only: [], except: [] }));
    expect(err.code).toBe("PLAN_INVALID");
    expect(err.message).toContain("search");
    expect(err.hint).toContain("--except search");
    // ...and leaving it out works.
    const ok = { ...current, db: { version: "41" } };
    expect(() =>
      resolveScope({ components: comps, current: ok, target, only: [], except: ["search"] }),
    ).not.toThrow();
  });
});

describe("provider-specific range matching", () => {
  it("uses the provider's reading of a range (e.g. git tags) before plain version comparison", () => {
    const comps = [
      component("api", { compatibility: [{ when: "<2.0.0", requires: { config: "<=v1.4" } }] }),
      component("config", { kind: "git" }),
    ];
    const tagged = (sha: string, containing: string[]) => ({
      version: sha,
      details: { tagsContaining: containing },
    });
    const scope = resolveScope({
      components: comps,
      current: { api: { version: "2.1.0" }, config: tagged("c3", []) },
      target: { api: { version: "1.9.0" }, config: tagged("c1", ["v1.4", "v1.5"]) },
      only: ["api"],
      except: [],
      satisfies: (c, state, range) => {
        if (c.kind !== "git") return undefined;
        const m = /^<=(.+)$/.exec(range);
        const tags = (state.details?.tagsContaining ?? []) as string[];
        return m ? tags.includes(m[1] ?? "") : undefined;
      },
    });
    expect(scope.selected.get("config")).toEqual({
      reason: "pulled-in",
      because: "api@1.9.0 requires config <=v1.4; config is now at c3",
    });
  });
});
