export { drillInputFor, restoreDrillInputFor, type DrillChoices } from "./component.js";
export { emptyReport, runRestoreDrill, type RestoreDrillReport } from "./restore-drill.js";
export { restoreDrillText } from "./restore-drill-text.js";
export { drillText, NOT_CLEAN_HINT } from "./report-text.js";
export { runDrill, type DrillInput } from "./run-drill.js";
export type { DrillFinding, DrillReport, FindingKind, MigrationDrill } from "./types.js";
