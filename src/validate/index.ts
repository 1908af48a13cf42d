export { checkSchema, type CheckInput, type CheckSpec } from "./schema.js";
export { runCheck, runChecks, type CheckOptions } from "./run-check.js";
export { checkKind, checkName } from "./describe-check.js";
