import type { EnvironmentConfig } from "../../config/types.js";
import { BackoutError, serializeError } from "../errors.js";
import type {
  CheckpointRecord,
  ComponentConfig,
  ComponentState,
  Plan,
  PlanComponent,
  StepSpec,
} from "../model.js";
import { estimateLowerBoundMs } from "./critical-path.js";
import { planHash } from "./hash.js";
import { orderSteps } from "./order.js";
import { mapLimited } from "../map-limited.js";
import { resolveScope, type StateMatcher } from "./scope.js";
import { configSnapshot, type RedactValue } from "./snapshot.js";

export type PlanComponentFn = (
  component: ComponentConfig,
  current: ComponentState,
  target: ComponentState,
) => Promise<StepSpec[]>;

export interface BuildPlanInput {
  config: EnvironmentConfig;
  checkpoint: CheckpointRecord;
  /** Freshly captured state of the components (at least of those that may roll back). */
  current: Record<string, ComponentState>;
  only?: string[];
  except?: string[];
  /** Usually the component's provider's plan(); `[]` means "already at the target". */
  planComponent: PlanComponentFn;
  /**
   * Steps a component adds around a rollback it is not itself changed by (traffic: pause or
   * drain first, restore last). Asked only of selected, up-to-date components, and only when
   * the plan changes something else.
   */
  wrapComponent?: (component: ComponentConfig, current: ComponentState) => Promise<StepSpec[]>;
  /** Provider-specific range matching for compatibility rules (see Provider.satisfies). */
  satisfies?: StateMatcher;
  /**
   * Redacts secrets in a JSON value. The plan is redacted before it is hashed, so the hash of a
   * plan read back from the journal or a plan file is the hash it was confirmed with.
   */
  redactValue?: RedactValue;
}

/**
 * The plan from the current state to the checkpoint's: scope (with compatibility pull-ins), each
 * component's steps from its provider, their order, risk, estimate and content hash.
 * Nothing is changed. Planning problems of all components are collected before throwing, so one
 * `plan` run shows every component that needs attention.
 */
export async function buildPlan(input: BuildPlanInput): Promise<Plan> {
  const { config, checkpoint, current } = input;
  const redactValue: RedactValue = input.redactValue ?? ((v) => v);
  const only = [...new Set(input.only ?? [])].sort();
  const except = [...new Set(input.except ?? [])].sort();
  if (checkpoint.environment !== config.environment) {
    throw new BackoutError(
      "PLAN_INVALID",
      `checkpoint ${checkpoint.name} belongs to environment ${checkpoint.environment}, not ${config.environment}`,
      { hint: "choose a checkpoint of this environment (backout history)" },
    );
  }
  const scope = resolveScope({
    components: config.components,
    current,
    target: checkpoint.components,
    only,
    except,
    ...(input.satisfies ? { satisfies: input.satisfies } : {}),
  });

  const chosen = config.components.filter((c) => scope.selected.has(c.name));
  const outcomes = await mapLimited(chosen, Math.max(1, config.policies.concurrency), (c) =>
    planOne(c, current[c.name], checkpoint.components[c.name], input.planComponent),
  );

  const problems: BackoutError[] = [];
  const steps = new Map<string, StepSpec[]>();
  const components: PlanComponent[] = [];
  chosen.forEach((c, i) => {
    const outcome = outcomes[i];
    if (outcome === undefined) return;
    if (outcome instanceof BackoutError) {
      problems.push(outcome);
      return;
    }
    const entry = scope.selected.get(c.name);
    steps.set(c.name, outcome.steps);
    const pc: PlanComponent = {
      name: c.name,
      kind: c.kind,
      layer: c.layer,
      from: outcome.current,
      to: outcome.target,
      reason: entry?.reason ?? "selected",
      upToDate: outcome.steps.length === 0,
      config: configSnapshot(c, redactValue),
    };
    if (entry?.because !== undefined) pc.because = entry.because;
    components.push(pc);
  });
  if (problems.length > 0) throw combine(problems);
  await addWrapSteps(chosen, components, steps, input.wrapComponent);

  const planned = orderSteps(config.components, steps);
  const concurrency = config.policies.concurrency;
  const plan: Omit<Plan, "hash"> = redactValue({
    formatVersion: 1,
    environment: config.environment,
    checkpoint: { id: checkpoint.id, name: checkpoint.name, createdAt: checkpoint.createdAt },
    scope: { only, except },
    components,
    steps: planned,
    concurrency,
    dataLoss: planned.some((s) => s.risk.dataLoss),
    estimateMs: estimateLowerBoundMs(planned, concurrency),
  });
  return { ...plan, hash: planHash(plan) };
}

/** Lets up-to-date components (traffic) wrap a rollback that changes other components. */
async function addWrapSteps(
  chosen: ComponentConfig[],
  components: PlanComponent[],
  steps: Map<string, StepSpec[]>,
  wrap: BuildPlanInput["wrapComponent"],
): Promise<void> {
  const changesSomething = [...steps.values()].some((list) =>
    list.some((s) => (s.phase ?? "main") === "main"),
  );
  if (!wrap || !changesSomething) return;
  for (const c of chosen) {
    const pc = components.find((x) => x.name === c.name);
    if (!pc?.upToDate) continue;
    const extra = await wrap(c, pc.from);
    if (extra.length > 0) steps.set(c.name, extra);
  }
}

interface Planned {
  current: ComponentState;
  target: ComponentState;
  steps: StepSpec[];
}

/** One component's steps, or the problem that prevents them (returned, not thrown, to collect all). */
async function planOne(
  c: ComponentConfig,
  current: ComponentState | undefined,
  target: ComponentState | undefined,
  planComponent: PlanComponentFn,
): Promise<Planned | BackoutError> {
  if (current === undefined) {
    return new BackoutError("PLAN_INVALID", `no current state was captured for ${c.name}`, {
      hint: `check that ${c.name} is reachable and its ${c.kind} provider can capture it, or leave it out with --except ${c.name}`,
      where: { component: c.name },
    });
  }
  // resolveScope guarantees a checkpoint state for every selected component; keep the type honest.
  if (target === undefined) {
    return new BackoutError("PLAN_INVALID", `the checkpoint has no state for ${c.name}`, {
      hint: `it was added after the checkpoint: leave it out with --except ${c.name}`,
      where: { component: c.name },
    });
  }
  try {
    const steps = await planComponent(c, current, target);
    return { current, target, steps };
  } catch (e) {
    if (e instanceof BackoutError) return e;
    const message = e instanceof Error ? e.message : String(e);
    return new BackoutError("PLAN_INVALID", `planning ${c.name} failed: ${message}`, {
      hint: `see the cause; fix ${c.name} (or its ${c.kind} settings) or leave it out with --except ${c.name}`,
      where: { component: c.name },
      // We cannot tell whether an unexpected failure (a timeout, say) would recur.
      retryable: true,
      cause: e,
    });
  }
}

/** One problem is thrown as it is; several become the first, with all of them in details.problems. */
function combine(problems: BackoutError[]): BackoutError {
  const first = problems[0] as BackoutError;
  if (problems.length === 1) return first;
  const more = problems.length - 1;
  return new BackoutError(
    first.code,
    `${first.message} (and ${more} more planning problem${more > 1 ? "s" : ""})`,
    {
      hint: first.hint,
      where: first.where,
      retryable: problems.every((p) => p.retryable),
      details: { ...first.details, problems: problems.map(serializeError) },
      cause: first,
    },
  );
}
