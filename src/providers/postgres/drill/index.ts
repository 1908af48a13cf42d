export { drillInputFor, type DrillChoices } from "./component.js";
export { drillText, NOT_CLEAN_HINT } from "./report-text.js";
export { runDrill, type DrillInput } from "./run-drill.js";
export type { DrillFinding, DrillReport, FindingKind, MigrationDrill } from "./types.js";
