/** Reports and the read model of rollbacks, folded from their journals. */
export { foldJournal, journalOrder } from "./fold-journal.js";
export {
  buildJsonReport,
  type JsonReport,
  type JsonReportAttempt,
  type JsonReportStep,
} from "./json-report.js";
export { renderMarkdownReport } from "./markdown-report.js";
export { summarizeEvent } from "./summarize-event.js";
export { formatDuration, formatOffset } from "./format.js";
export type * from "./rollback-view.js";
