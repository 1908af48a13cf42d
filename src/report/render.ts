import type { JournalEntry } from "../core/journal-events.js";
import { foldJournal } from "./fold-journal.js";
import { buildJsonReport } from "./json-report.js";
import { renderMarkdownReport } from "./markdown-report.js";

export type ReportFormat = "md" | "json" | "html";

/** A rollback's report in one of its formats, from its journal (the CLI's `report` and the API's). */
export async function renderReport(
  rollbackId: string,
  entries: JournalEntry[],
  format: ReportFormat,
): Promise<string> {
  const view = foldJournal(rollbackId, entries);
  if (format === "json") return JSON.stringify(buildJsonReport(view, entries), null, 2);
  if (format === "html") return (await import("./html/index.js")).renderHtmlReport(view, entries);
  return renderMarkdownReport(view, entries);
}
