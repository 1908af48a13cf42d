import type { Redactor } from "../config/redactor.js";
import type { Clock } from "./clock.js";
import type { ComponentConfig, DataLossPolicy } from "./model.js";
import type { ProviderContext } from "./provider.js";

export interface ContextInputs {
  config: { baseDir: string; policies: { dataLoss: DataLossPolicy } };
  component: ComponentConfig;
  redactor: Pick<Redactor, "redact" | "add">;
  clock: Clock;
  /** Environment of child processes (with the nesting guard inside a rollback). */
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  rollbackId?: string;
  stepId?: string;
}

/**
 * The one place a ProviderContext is made (engine, step runner, drill and archive): the same
 * fields everywhere, and child processes see the rollback and step in their environment too.
 */
export function providerContext(i: ContextInputs): ProviderContext {
  const ids = {
    ...(i.rollbackId === undefined ? {} : { BACKOUT_ROLLBACK_ID: i.rollbackId }),
    ...(i.stepId === undefined ? {} : { BACKOUT_STEP_ID: i.stepId }),
  };
  return {
    component: i.component,
    baseDir: i.config.baseDir,
    env: { ...i.env, ...ids },
    signal: i.signal ?? new AbortController().signal,
    clock: i.clock,
    redact: (text) => i.redactor.redact(text),
    dataLossPolicy: i.component.dataLoss ?? i.config.policies.dataLoss,
    rollbackId: i.rollbackId,
    stepId: i.stepId,
    secret: (value) => i.redactor.add(value),
  };
}
