/**
 * backout as a library: `import { openBackout, parseEnvironment } from "backout"`.
 *
 * - Environments: loadEnvironment(file) or parseEnvironment(yamlTextOrObject), validated exactly
 *   like backout.yaml (BackoutError with file, line and field), with extra providers.
 * - The engine: openBackout(environment) gives a Backout with checkpoint, plan, run, resume,
 *   approve, cancel and watch, under the same circuit breakers as the CLI.
 * - Providers: the Provider contract every kind implements; pass yours in `providers`.
 * - Errors: BackoutError with a stable `code` (ERROR_CODES), `where`, `hint` and `retryable`.
 * - The store: openStore(dir) (SQLite), or any implementation of Store.
 *
 * Everything else (src/ paths) is internal and may change without notice.
 */
export { version } from "./version.js";

export {
  loadEnvironment,
  parseEnvironment,
  providerRegistry,
  type Environment,
  type EnvironmentOptions,
  type ParseOptions,
} from "./api/environment.js";
export { Backout, openBackout, type CheckpointOptions, type OpenOptions } from "./api/backout.js";
export type { EnvironmentConfig, Policies, RetryPolicy, CommandSpec } from "./config/types.js";
export { Redactor } from "./config/redactor.js";

export type { Engine, PlanRequest } from "./core/engine.js";
export type { RunControl, RunOutcome, InterruptedRollback } from "./core/rollbacks.js";
export type { WatchOptions, WatchOutcome, Measurement, MeasurementVerdict } from "./core/watch.js";
export type { JournalListener } from "./core/journal-writer.js";
export type { JournalEntry, JournalEventData, JournalEventType } from "./core/journal-events.js";

export type { Provider, ProviderContext, ProviderRegistry, StepResult } from "./core/provider.js";
export { readProviderSettings } from "./core/provider-settings.js";
export type { DoctorCheck, DoctorStatus } from "./core/doctor-check.js";
export { builtinProviders } from "./providers/builtin.js";
export {
  isTerminal,
  TERMINAL_STATES,
  type CheckResult,
  type CheckpointRecord,
  type ComponentConfig,
  type ComponentState,
  type DataLossPolicy,
  type Layer,
  type Plan,
  type PlanComponent,
  type PlannedStep,
  type Risk,
  type RollbackState,
  type StepPhase,
  type StepSpec,
} from "./core/model.js";

export {
  BackoutError,
  ERROR_CODES,
  isBackoutError,
  toBackoutError,
  formatError,
  type ErrorCode,
  type ErrorLocation,
  type SerializedError,
} from "./core/errors.js";

export { systemClock, ManualClock, type Clock } from "./core/clock.js";

export { openSqliteStore as openStore } from "./store/sqlite/index.js";
export type { Store, RollbackRecord } from "./store/store.js";
export type { CheckpointEvent, CheckpointAction } from "./store/checkpoint-events.js";
export type { Actor, Channel } from "./core/actor.js";

/** The zod a provider's settingsSchema must be built with (the one backout validates with). */
export { z } from "zod";
