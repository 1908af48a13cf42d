import { Redactor } from "../../src/config/redactor.js";
import { systemClock, type Clock } from "../../src/core/clock.js";
import { providerContext } from "../../src/core/provider-context.js";
import type { ComponentConfig, DataLossPolicy, PlannedStep, StepSpec } from "../../src/core/model.js";
import type { Provider, ProviderContext } from "../../src/core/provider.js";

export interface ContextOptions {
  name?: string;
  baseDir: string;
  /** Raw settings, as written in backout.yaml; parsed by the provider's schema like the loader does. */
  settings: unknown;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** The engine's clock (default: the system clock). */
  clock?: Clock;
  dataLossPolicy?: DataLossPolicy;
  /** Inside a rollback (and a step), as the step runner builds it. */
  rollbackId?: string;
  stepId?: string;
}

/** A ProviderContext as the engine would build it, with the settings validated by the provider's schema. */
export function contextFor<S>(provider: Provider<S>, opts: ContextOptions): ProviderContext<S> {
  const component: ComponentConfig<S> = {
    name: opts.name ?? "app",
    kind: provider.kind,
    layer: provider.defaultLayer,
    dependsOn: [],
    compatibility: [],
    dataLoss: undefined,
    settings: provider.settingsSchema.parse(opts.settings) as S,
  };
  const ctx = providerContext({
    config: { baseDir: opts.baseDir, policies: { dataLoss: opts.dataLossPolicy ?? "confirm" } },
    component: component as ComponentConfig,
    redactor: new Redactor(),
    clock: opts.clock ?? systemClock,
    env: opts.env ?? process.env,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.rollbackId === undefined ? {} : { rollbackId: opts.rollbackId }),
    ...(opts.stepId === undefined ? {} : { stepId: opts.stepId }),
  });
  return ctx as ProviderContext<S>;
}

/** The planned form of a provider's step, as the planner would number it. */
export function planned(ctx: ProviderContext<unknown>, spec: StepSpec, n = 1): PlannedStep {
  return {
    ...spec,
    id: `${ctx.component.name}#${n}:${spec.action}`,
    component: ctx.component.name,
    kind: ctx.component.kind,
    phase: spec.phase ?? "main",
    after: [],
  };
}
