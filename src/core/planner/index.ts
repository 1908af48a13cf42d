/** The planner: scope (with compatibility), steps, order, estimate and hash of a rollback plan. */
export { buildPlan, type BuildPlanInput, type PlanComponentFn } from "./build-plan.js";
export {
  estimateLowerBoundMs,
  priorities,
  DEFAULT_STEP_ESTIMATE_MS,
  type TimedStep,
} from "./critical-path.js";
export { canonicalJson, planHash } from "./hash.js";
export { orderSteps } from "./order.js";
export {
  resolveScope,
  scopeCandidates,
  type Scope,
  type ScopeEntry,
  type ScopeInput,
  type StateMatcher,
} from "./scope.js";
export { assertValidRange, versionSatisfies } from "./version-match.js";
export { configSnapshot, plannedComponents, redactValueWith, type RedactValue } from "./snapshot.js";
