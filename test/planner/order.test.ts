import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import type { PlannedStep, StepSpec } from "../../src/core/model.js";
import { orderSteps } from "../../src/core/planner/order.js";
import { component, step, precedes } from "./fixtures.js";

const ids = (steps: PlannedStep[]): string[] => steps.map((s) => s.id);

describe("orderSteps", () => {
  it("rolls back dependents first: web before api before db", () => {
    const comps = [
      component("db"),
      component("api", { dependsOn: ["db"] }),
      component("web", { dependsOn: ["api"] }),
    ];
    const steps = orderSteps(
      comps,
      new Map<string, StepSpec[]>([
        ["db", [step("migrate-down"), step("migrate-down")]],
        ["api", [step("switch-release")]],
        ["web", [step("switch-release")]],
      ]),
    );
    expect(ids(steps)).toEqual([
      "web#1:switch-release",
      "api#1:switch-release",
      "db#1:migrate-down",
      "db#2:migrate-down",
    ]);
    const byId = new Map(steps.map((s) => [s.id, s]));
    expect(byId.get("web#1:switch-release")?.after).toEqual([]);
    expect(byId.get("api#1:switch-release")?.after).toEqual(["web#1:switch-release"]);
    expect(byId.get("db#1:migrate-down")?.after).toEqual(["api#1:switch-release"]);
    expect(byId.get("db#2:migrate-down")?.after).toEqual(["db#1:migrate-down"]);
    expect(byId.get("db#1:migrate-down")).toMatchObject({ component: "db", kind: "command", phase: "main" });
  });

  it("puts no edges between independent components", () => {
    const comps = [component("a"), component("b"), component("c", { dependsOn: ["a"] })];
    const steps = orderSteps(
      comps,
      new Map([
        ["a", [step("one")]],
        ["b", [step("one"), step("two")]],
      ]),
    );
    for (const s of steps) {
      expect(s.after.every((p) => p.startsWith(`${s.component}#`))).toBe(true);
    }
  });

  it("keeps order through a component that has no steps", () => {
    const comps = [
      component("b"),
      component("x", { dependsOn: ["b"] }),
      component("a", { dependsOn: ["x"] }),
      component("unrelated"),
    ];
    const steps = orderSteps(
      comps,
      new Map([
        ["a", [step("switch")]],
        ["b", [step("switch")]],
        ["unrelated", [step("switch")]],
      ]),
    );
    expect(precedes(steps, "a#1:switch", "b#1:switch")).toBe(true);
    expect(steps.find((s) => s.id === "b#1:switch")?.after).toEqual(["a#1:switch"]);
    expect(steps.find((s) => s.id === "unrelated#1:switch")?.after).toEqual([]);
  });

  it("runs every pre step before every main step and every main before every post", () => {
    // The edge depends on the api, but traffic wraps the whole rollback.
    const comps = [
      component("db"),
      component("api", { dependsOn: ["db"] }),
      component("worker", { dependsOn: ["db"] }),
      component("edge", { kind: "nginx", layer: "traffic", dependsOn: ["api"] }),
      component("lb", { kind: "haproxy", layer: "traffic", dependsOn: ["edge"] }),
    ];
    const steps = orderSteps(
      comps,
      new Map<string, StepSpec[]>([
        ["db", [step("migrate-down")]],
        ["api", [step("switch-release")]],
        ["worker", [step("switch-release")]],
        ["edge", [step("drain", { phase: "pre" }), step("restore", { phase: "post" })]],
        ["lb", [step("drain", { phase: "pre" }), step("restore", { phase: "post" })]],
      ]),
    );
    const pre = steps.filter((s) => s.phase === "pre");
    const main = steps.filter((s) => s.phase === "main");
    const post = steps.filter((s) => s.phase === "post");
    for (const p of pre) for (const m of main) expect(precedes(steps, p.id, m.id)).toBe(true);
    for (const m of main) for (const p of post) expect(precedes(steps, m.id, p.id)).toBe(true);
    expect(precedes(steps, "lb#1:drain", "edge#1:drain")).toBe(true);
    expect(precedes(steps, "api#1:switch-release", "db#1:migrate-down")).toBe(true);
    expect(precedes(steps, "api#1:switch-release", "worker#1:switch-release")).toBe(false);
    expect(ids(steps).slice(0, 2)).toEqual(["lb#1:drain", "edge#1:drain"]);
  });

  it("keeps the phase barrier sparse", () => {
    const comps = [component("edge", { layer: "traffic" })];
    const specs = new Map<string, StepSpec[]>([
      ["edge", [step("drain", { phase: "pre" }), step("restore", { phase: "post" })]],
    ]);
    for (let i = 0; i < 500; i++) {
      comps.push(component(`svc${i}`, i > 0 ? { dependsOn: [`svc${i - 1}`] } : {}));
      specs.set(`svc${i}`, [step("switch-release")]);
    }
    const steps = orderSteps(comps, specs);
    const edges = steps.reduce((n, s) => n + s.after.length, 0);
    expect(steps).toHaveLength(502);
    expect(edges).toBeLessThan(510);
    expect(ids(steps)[0]).toBe("edge#1:drain");
    expect(ids(steps)[501]).toBe("edge#2:restore");
  });

  it("names a dependency cycle", () => {
    const comps = [
      component("a", { dependsOn: ["b"] }),
      component("b", { dependsOn: ["c"] }),
      component("c", { dependsOn: ["a"] }),
    ];
    let err: unknown;
    try {
      orderSteps(comps, new Map([["a", [step("x")]]]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BackoutError);
    expect((err as BackoutError).code).toBe("CONFIG_CYCLE");
    expect((err as BackoutError).message).toContain("a → b → c → a");
  });

  it("rejects a provider's steps that go back in phase", () => {
    const run = (): unknown =>
      orderSteps([component("a")], new Map([["a", [step("x"), step("y", { phase: "pre" })]]]));
    expect(run).toThrow(BackoutError);
    expect(run).toThrow(/phase "pre" after a "main" step/);
  });
});
