import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import type { ComponentConfig, ComponentState, Plan, StepSpec } from "../../src/core/model.js";
import { buildPlan } from "../../src/core/planner/build-plan.js";
import { checkpoint, component, environment, states, step, stepsFrom } from "./fixtures.js";

const components: ComponentConfig[] = [
  component("web", { dependsOn: ["api"] }),
  component("api", {
    dependsOn: ["db"],
    compatibility: [{ when: "<2.0.0", requires: { db: "<=41" } }],
  }),
  component("db", { kind: "postgres", layer: "database" }),
  component("docs"),
];
const current = states({ web: "2.1.0", api: "2.1.0", db: "43", docs: "7" });
const target = states({ web: "2.0.0", api: "1.9.0", db: "41", docs: "7" });
const table: Record<string, StepSpec[]> = {
  web: [step("switch-release", { estimateMs: 2000 })],
  api: [step("switch-release", { estimateMs: 3000 })],
  db: [
    step("migrate-down", {
      estimateMs: 5000,
      params: { version: "43", file: "43_add_nickname.down.sql" },
      risk: {
        dataLoss: true,
        summary: "drops column users.nickname (1,204 non-null values)",
        rowsAtRisk: 1204,
      },
      reversible: false,
    }),
    step("migrate-down", { estimateMs: 4000, params: { version: "42" } }),
  ],
};

async function plan(
  extra: { only?: string[]; except?: string[]; t?: Record<string, ComponentState> } = {},
): Promise<Plan> {
  return buildPlan({
    config: environment(components, 2),
    checkpoint: checkpoint(extra.t ?? target),
    current,
    only: extra.only,
    except: extra.except,
    planComponent: stepsFrom(table),
  });
}

async function rejection(p: Promise<unknown>): Promise<BackoutError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BackoutError) return e;
    throw e;
  }
  throw new Error("expected a BackoutError");
}

describe("buildPlan", () => {
  it("builds the whole plan: components, ordered steps, risk, estimate", async () => {
    const p = await plan();
    expect(p.formatVersion).toBe(1);
    expect(p.environment).toBe("prod");
    expect(p.checkpoint).toEqual({ id: "cp-1", name: "before-v2.1.0", createdAt: 1_700_000_000_000 });
    expect(p.scope).toEqual({ only: [], except: [] });
    expect(p.components.map((c) => [c.name, c.reason, c.upToDate])).toEqual([
      ["web", "selected", false],
      ["api", "selected", false],
      ["db", "selected", false],
      ["docs", "selected", true],
    ]);
    expect(p.components[2]).toMatchObject({
      kind: "postgres",
      layer: "database",
      from: { version: "43" },
      to: { version: "41" },
    });
    expect(p.steps.map((s) => s.id)).toEqual([
      "web#1:switch-release",
      "api#1:switch-release",
      "db#1:migrate-down",
      "db#2:migrate-down",
    ]);
    expect(p.dataLoss).toBe(true);
    expect(p.concurrency).toBe(2);
    // A single chain: 2000 + 3000 + 5000 + 4000.
    expect(p.estimateMs).toBe(14000);
    expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("with --only, pulls in the needed dependency and says why", async () => {
    const p = await plan({ only: ["api"] });
    expect(p.scope).toEqual({ only: ["api"], except: [] });
    expect(p.components.map((c) => c.name)).toEqual(["api", "db"]);
    expect(p.components[1]).toMatchObject({
      reason: "pulled-in",
      because: "api@1.9.0 requires db <=41; db is now at 43",
    });
    expect(p.components[0]?.because).toBeUndefined();
    expect(p.steps.map((s) => s.id)).toEqual([
      "api#1:switch-release",
      "db#1:migrate-down",
      "db#2:migrate-down",
    ]);
  });

  it("refuses --except on a component the rollback needs", async () => {
    const err = await rejection(plan({ except: ["db"] }));
    expect(err.code).toBe("COMPATIBILITY_UNSATISFIABLE");
  });

  it("hashes the same inputs equally, whatever the key order, and differently when a target changes", async () => {
    const a = await plan();
    const shuffled: Record<string, StepSpec[]> = {
      db: (table.db ?? []).map((s) => ({
        reversible: s.reversible,
        risk: { ...s.risk },
        params: Object.fromEntries(Object.entries(s.params).reverse()),
        target: s.target,
        description: s.description,
        action: s.action,
        ...(s.estimateMs === undefined ? {} : { estimateMs: s.estimateMs }),
      })),
      api: table.api ?? [],
      web: table.web ?? [],
    };
    const reorderedTarget = Object.fromEntries(Object.entries(target).reverse());
    const b = await buildPlan({
      config: environment(components, 2),
      checkpoint: checkpoint(reorderedTarget),
      current: Object.fromEntries(Object.entries(current).reverse()),
      planComponent: stepsFrom(shuffled),
    });
    expect(b.hash).toBe(a.hash);

    const c = await plan({ t: { ...target, web: { version: "1.9.9" } } });
    expect(c.hash).not.toBe(a.hash);
  });

  it("propagates a provider's BackoutError unchanged", async () => {
    const refusal = new BackoutError("PLAN_INVALID", "no down migration for 43", {
      where: { component: "db" },
    });
    const err = await rejection(
      buildPlan({
        config: environment(components),
        checkpoint: checkpoint(target),
        current,
        planComponent: (c, cur, t) =>
          c.name === "db" ? Promise.reject(refusal) : stepsFrom(table)(c, cur, t),
      }),
    );
    expect(err).toBe(refusal);
  });

  it("collects every component's planning problem before throwing", async () => {
    const err = await rejection(
      buildPlan({
        config: environment(components),
        checkpoint: checkpoint(target),
        current,
        planComponent: (c) => {
          if (c.name === "api") return Promise.reject(new Error("ssh: connection refused"));
          if (c.name === "db")
            return Promise.reject(new BackoutError("PLAN_INVALID", "no down migration for 43"));
          return Promise.resolve([]);
        },
      }),
    );
    expect(err.code).toBe("PLAN_INVALID");
    expect(err.message).toBe("planning api failed: ssh: connection refused (and 1 more planning problem)");
    expect(err.where).toEqual({ component: "api" });
    const problems = err.details?.problems as { message: string }[];
    expect(problems.map((p) => p.message)).toEqual([
      "planning api failed: ssh: connection refused",
      "no down migration for 43",
    ]);
  });

  it("names a component in --only that does not exist", async () => {
    const err = await rejection(plan({ only: ["wbe"] }));
    expect(err.code).toBe("UNKNOWN_COMPONENT");
    expect(err.message).toContain("wbe");
    expect(err.hint).toContain("web, api, db, docs");
  });

  it("refuses a checkpoint from another environment", async () => {
    const err = await rejection(
      buildPlan({
        config: environment(components),
        checkpoint: { ...checkpoint(target), environment: "staging" },
        current,
        planComponent: stepsFrom(table),
      }),
    );
    expect(err.code).toBe("PLAN_INVALID");
  });
});
