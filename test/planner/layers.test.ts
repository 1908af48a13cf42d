import { describe, expect, it } from "vitest";
import type { StepSpec } from "../../src/core/model.js";
import { orderSteps } from "../../src/core/planner/order.js";
import { component, step, precedes } from "./fixtures.js";

describe("layer order of a full rollback", () => {
  const specs = (entries: [string, StepSpec[]][]) => new Map<string, StepSpec[]>(entries);

  it("pause traffic, then app, database, configuration, cache, then restore traffic", () => {
    const comps = [
      component("cache", { layer: "cache" }),
      component("config", { layer: "config", kind: "git" }),
      component("db", { layer: "database" }),
      component("api", { layer: "app" }),
      component("edge", { layer: "traffic", kind: "nginx" }),
    ];
    const steps = orderSteps(
      comps,
      specs([
        ["cache", [step("flush-keys")]],
        ["config", [step("revert-to")]],
        ["db", [step("migrate-down")]],
        ["api", [step("switch-release")]],
        ["edge", [step("enter-maintenance", { phase: "pre" }), step("leave-maintenance", { phase: "post" })]],
      ]),
    );
    const order = [
      "edge#1:enter-maintenance",
      "api#1:switch-release",
      "db#1:migrate-down",
      "config#1:revert-to",
      "cache#1:flush-keys",
      "edge#2:leave-maintenance",
    ];
    for (let i = 1; i < order.length; i++) {
      expect(precedes(steps, order[i - 1] ?? "", order[i] ?? ""), `${order[i - 1]} before ${order[i]}`).toBe(
        true,
      );
    }
  });

  it("dependsOn wins over layer order, and no cycle is created", () => {
    // config dependsOn db: config rolls back before db, against the layer order; the dependency wins.
    const comps = [
      component("db", { layer: "database" }),
      component("config", { layer: "config", dependsOn: ["db"] }),
      component("cache", { layer: "cache", dependsOn: ["config"] }),
      component("api", { layer: "app" }),
    ];
    const steps = orderSteps(
      comps,
      specs([
        ["db", [step("migrate-down")]],
        ["config", [step("revert-to")]],
        ["cache", [step("flush-keys")]],
        ["api", [step("switch-release")]],
      ]),
    );
    expect(precedes(steps, "config#1:revert-to", "db#1:migrate-down")).toBe(true);
    expect(precedes(steps, "cache#1:flush-keys", "config#1:revert-to")).toBe(true);
    expect(precedes(steps, "db#1:migrate-down", "config#1:revert-to")).toBe(false);
    expect(precedes(steps, "api#1:switch-release", "db#1:migrate-down")).toBe(true);
  });

  it("components of the same layer with no dependency stay parallel", () => {
    const comps = [component("a"), component("b")];
    const steps = orderSteps(
      comps,
      specs([
        ["a", [step("x")]],
        ["b", [step("x")]],
      ]),
    );
    expect(steps.every((s) => s.after.length === 0)).toBe(true);
  });
});
