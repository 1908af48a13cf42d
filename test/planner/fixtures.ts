import type { EnvironmentConfig } from "../../src/config/types.js";
import type {
  CheckpointRecord,
  ComponentConfig,
  ComponentState,
  PlannedStep,
  StepSpec,
} from "../../src/core/model.js";

/** Plain component configs and data-driven step lists: the planner is pure logic. */
export function component(name: string, extra: Partial<ComponentConfig> = {}): ComponentConfig {
  return {
    name,
    kind: "command",
    layer: "app",
    dependsOn: [],
    compatibility: [],
    dataLoss: undefined,
    settings: {},
    ...extra,
  };
}

export function environment(components: ComponentConfig[], concurrency = 4): EnvironmentConfig {
  return {
    file: "/srv/backout.yaml",
    baseDir: "/srv",
    environment: "prod",
    store: { kind: "sqlite", path: ".backout" },
    policies: {
      concurrency,
      retry: { maxAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 30000 },
      timeLimitMs: 900000,
      dataLoss: "confirm",
      lock: { leaseMs: 30000, waitTimeoutMs: 0 },
      escalation: undefined,
      emergency: [],
    },
    components,
  };
}

export function checkpoint(components: Record<string, ComponentState>): CheckpointRecord {
  return {
    id: "cp-1",
    name: "before-v2.1.0",
    environment: "prod",
    createdAt: 1_700_000_000_000,
    good: true,
    markedGoodAt: 1_700_000_100_000,
    components,
  };
}

export function states(versions: Record<string, string>): Record<string, ComponentState> {
  return Object.fromEntries(Object.entries(versions).map(([k, v]) => [k, { version: v }]));
}

export function step(action: string, extra: Partial<StepSpec> = {}): StepSpec {
  return {
    action,
    description: `${action} step`,
    target: { version: "0" },
    params: {},
    risk: { dataLoss: false, summary: "none" },
    reversible: true,
    ...extra,
  };
}

/** A planComponent that reads steps from a table; components not in it (or at target) are up to date. */
export function stepsFrom(table: Record<string, StepSpec[]>) {
  return (c: ComponentConfig, current: ComponentState, target: ComponentState): Promise<StepSpec[]> => {
    if (current.version === target.version) return Promise.resolve([]);
    return Promise.resolve((table[c.name] ?? [step("switch-release")]).map((s) => ({ ...s, target })));
  };
}

/** Is `later` reachable from `earlier` through `after` edges (must `earlier` finish first)? */
export function precedes(steps: PlannedStep[], earlier: string, later: string): boolean {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const stack = [later];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === earlier) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.after ?? []));
  }
  return false;
}
