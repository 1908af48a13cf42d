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
    const plan = { formatVersion: 1 as const, environment: "prod", components: [], steps: [] };
    expect(planHash({ ...plan, hash: "x" } as never)).toBe(planHash(plan as never));
    expect(planHash(plan as never)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("planHash: hashed or shown", () => {
  const base = {
    formatVersion: 1 as const,
    environment: "prod",
    checkpoint: { id: "cp-1", name: "v1", createdAt: 1 },
    scope: { only: [], except: [] },
    components: [
      {
        name: "db",
        kind: "postgres",
        layer: "database" as const,
        from: { version: "42", details: { fingerprint: "f1" }, measured: { rows: 10 } },
        to: { version: "41" },
        reason: "selected" as const,
        upToDate: false,
      },
    ],
    steps: [
      {
        id: "db#1:migrate-down",
        component: "db",
        kind: "postgres",
        action: "migrate-down",
        description: "revert 42",
        phase: "main" as const,
        after: [],
        target: { version: "41" },
        params: { sql: "ALTER TABLE users DROP COLUMN nickname" },
        risk: {
          dataLoss: true,
          summary: "drops column users.nickname",
          measured: "10 values",
          rowsAtRisk: 10,
        },
        reversible: false,
        estimateMs: 100,
        measured: "1 MiB",
      },
    ],
    concurrency: 4,
    dataLoss: true,
    estimateMs: 100,
  };
  type P = typeof base;
  const edit = (f: (p: P) => void): P => {
    const copy = structuredClone(base);
    f(copy);
    return copy;
  };
  const h = planHash(base);

  it("does not move with live measurements (counts, sizes, estimates)", () => {
    const busier = edit((p) => {
      const c = p.components[0];
      const s = p.steps[0];
      if (!c || !s) throw new Error("fixture");
      c.from.measured = { rows: 99_999 };
      s.risk.measured = "99,999 values";
      s.risk.rowsAtRisk = 99_999;
      s.estimateMs = 9_000;
      s.measured = "7 GiB";
      p.estimateMs = 9_000;
    });
    expect(planHash(busier as never)).toBe(h);
  });

  it("moves with what a step executes, what it may lose, and the states' stable details", () => {
    const changes: ((p: P) => void)[] = [
      (p) => ((p.steps[0] as P["steps"][number]).params.sql = "DROP TABLE users"),
      (p) => ((p.steps[0] as P["steps"][number]).risk.summary = "drops table users"),
      (p) => ((p.steps[0] as P["steps"][number]).risk.dataLoss = false),
      (p) => ((p.steps[0] as P["steps"][number]).target.version = "40"),
      (p) => ((p.components[0] as P["components"][number]).from.details.fingerprint = "f2"),
      (p) => ((p.components[0] as P["components"][number]).from.version = "43"),
    ];
    for (const change of changes) expect(planHash(edit(change) as never)).not.toBe(h);
  });
});
