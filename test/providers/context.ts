import { systemClock } from "../../src/core/clock.js";
import type { ComponentConfig, DataLossPolicy, PlannedStep, StepSpec } from "../../src/core/model.js";
import type { Provider, ProviderContext } from "../../src/core/provider.js";

export interface ContextOptions {
  name?: string;
  baseDir: string;
  /** Raw settings, as written in backout.yaml; parsed by the provider's schema like the loader does. */
  settings: unknown;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  dataLossPolicy?: DataLossPolicy;
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
  return {
    component,
    baseDir: opts.baseDir,
    env: opts.env ?? process.env,
    signal: opts.signal ?? new AbortController().signal,
    clock: systemClock,
    redact: (text) => text,
    dataLossPolicy: opts.dataLossPolicy ?? "confirm",
  };
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
