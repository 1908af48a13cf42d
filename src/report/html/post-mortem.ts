/**
 * The post-mortem skeleton: what the report knows filled in (impact window, trigger, the
 * timeline, suggested action items), and marked gaps for what only people can say.
 */
import type { JournalEntry } from "../../core/journal-events.js";
import { formatDuration, formatErrorShort, formatOffset, isoTime, oneLine } from "../format.js";
import type { RollbackView } from "../rollback-view.js";
import { summarizeEvent } from "../summarize-event.js";
import { timelineOrigin } from "../view-metrics.js";
import { codeSpan, esc } from "./escape.js";
import type { JournalExtras } from "../journal-extras.js";

const TO_FILL = `<span class="to-fill">to fill in</span>`;

export function postMortemSection(
  view: RollbackView,
  ordered: readonly JournalEntry[],
  extras: JournalExtras,
): string {
  const { plan } = view;
  const end = view.finishedAt === undefined ? "(not finished)" : isoTime(view.finishedAt);
  const window =
    view.finishedAt === undefined
      ? ""
      : ` (at least ${formatDuration(view.finishedAt - plan.checkpoint.createdAt)} since the checkpoint)`;
  const origin = timelineOrigin(view);
  const events = ordered.map(
    (e) =>
      `<li><span class="offset">${esc(formatOffset(e.at - origin))}</span> <span class="event-type">${esc(e.event.type)}</span> ${esc(summarizeEvent(e.event))}</li>`,
  );
  const items = actionItems(view, extras).map((t) => `<li>${t}</li>`);
  return [
    `<section id="post-mortem"><h2>Post-mortem</h2>`,
    `<h3>Impact window</h3>`,
    `<p>From the deploy that followed checkpoint ${esc(plan.checkpoint.name)} (taken ${esc(isoTime(plan.checkpoint.createdAt))}) until the rollback finished at ${esc(end)}${esc(window)}. Narrow it to the first user-visible error: ${TO_FILL}.</p>`,
    `<h3>Trigger</h3>`,
    `<p>Rollback requested by ${esc(view.requestedBy)} at ${esc(isoTime(view.createdAt))} in ${esc(view.environment)}. The alert or observation that led to it: ${TO_FILL}.</p>`,
    `<h3>Timeline</h3>`,
    `<p>Offsets from ${esc(view.startedAt === undefined ? "queueing" : "the start")} (${esc(isoTime(origin))}).</p>`,
    `<ol class="journal">\n${events.join("\n")}\n</ol>`,
    `<h3>Root cause</h3>`,
    `<p>${TO_FILL}</p>`,
    `<h3>Action items</h3>`,
    `<ul class="action-items">\n${items.join("\n")}\n</ul>`,
    `</section>`,
  ].join("\n");
}

/** Suggestions from what went wrong, then the items only people can write. */
function actionItems(view: RollbackView, extras: JournalExtras): string[] {
  const out: string[] = [];
  for (const s of view.steps) {
    const failed = s.attempts.filter((a) => a.outcome === "failed");
    if (failed.length === 0) continue;
    const last = failed[failed.length - 1];
    const err = last?.error ? `: ${formatErrorShort(last.error, 160)}` : "";
    out.push(
      `Find out why ${codeSpan(s.id)} failed ${failed.length} time(s)${esc(err)}, and prove the fix with a drill.`,
    );
  }
  if (view.escalation)
    out.push(
      `Review the escalation (${esc(oneLine(view.escalation.reason, 160))}) and what was left undone.`,
    );
  if (view.deadlinePassedAt !== undefined)
    out.push("The time limit passed: check whether the limit or the slow step is wrong.");
  for (const v of extras.validations) {
    if (v.result.status !== "pass")
      out.push(
        `Validation check ${esc(v.result.name)} ${esc(v.result.status === "fail" ? "failed" : "could not be judged")}: ${esc(oneLine(v.result.detail, 160))}.`,
      );
  }
  if (extras.samples.some((s) => s.aborted))
    out.push("The live monitor aborted the rollback: find what raised the error rate.");
  const lost = new Set(extras.notifications.filter((n) => !n.ok).map((n) => n.channel));
  for (const c of lost)
    out.push(
      `Notification channel ${codeSpan(c)} did not receive every message: fix it before the next incident.`,
    );
  out.push(`Prevent the original failure from happening again: ${TO_FILL}.`);
  out.push(`Detect it sooner (alert, check or canary): ${TO_FILL}.`);
  return out;
}
