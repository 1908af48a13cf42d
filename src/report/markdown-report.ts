/**
 * The human report of a rollback, for the incident channel and the post-mortem: what
 * happened, when, with which decisions, and a skeleton for what to learn from it.
 */
import type { JournalEntry } from "../core/journal-events.js";
import { formatDuration, formatErrorShort, formatOffset, isoTime, listOrNone, oneLine } from "./format.js";
import { cell, code, fenced, table } from "./markdown-text.js";
import { safeMarkdown } from "./markdown-safe.js";
import type { RollbackView } from "./rollback-view.js";
import { journalOrder } from "./fold-journal.js";
import { journalExtras } from "./journal-extras.js";
import {
  monitorSection,
  notificationsSection,
  stepOutputSection,
  trafficSection,
  validationSection,
} from "./markdown-evidence.js";
import { summarizeEvent } from "./summarize-event.js";
import { lastProblem, rollbackDurationMs, stepDurationMs, timelineOrigin } from "./view-metrics.js";

export function renderMarkdownReport(view: RollbackView, entries: JournalEntry[]): string {
  const ordered = journalOrder(view.id, entries);
  const extras = journalExtras(ordered);
  const sections = [
    [`# Rollback ${view.id}: ${view.state}`],
    summarySection(view),
    stepsSection(view),
    attemptsSection(view),
    gateSection(view),
    escalationSection(view),
    trafficSection(view),
    emergencySection(view),
    stepOutputSection(view),
    validationSection(extras),
    monitorSection(extras),
    notificationsSection(extras),
    timelineSection(view, ordered),
    postMortemSection(view),
  ];
  return safeMarkdown(
    sections
      .filter((s) => s.length > 0)
      .map((s) => s.join("\n"))
      .join("\n\n") + "\n",
  );
}

function summarySection(view: RollbackView): string[] {
  const { plan } = view;
  const duration = rollbackDurationMs(view);
  const rows: [string, string][] = [
    ["Environment", view.environment],
    [
      "Checkpoint",
      `${plan.checkpoint.name} (${code(plan.checkpoint.id)}, taken ${isoTime(plan.checkpoint.createdAt)})`,
    ],
    ["Plan hash", code(plan.hash)],
    ["Requested by", view.requestedBy],
    ["Queued", isoTime(view.createdAt)],
    ["Started", view.startedAt === undefined ? "not started" : isoTime(view.startedAt)],
    ["Finished", view.finishedAt === undefined ? "not finished" : isoTime(view.finishedAt)],
    ["Duration", duration === undefined ? "—" : formatDuration(duration)],
    ["Result", view.endReason === undefined ? view.state : `${view.state}: ${oneLine(view.endReason)}`],
  ];
  if (view.deadlineAt !== undefined) {
    const passed =
      view.deadlinePassedAt === undefined ? "" : ` (passed at ${isoTime(view.deadlinePassedAt)})`;
    rows.splice(6, 0, ["Deadline", `${isoTime(view.deadlineAt)}${passed}`]);
  }
  if (view.resumes.length > 0) rows.push(["Resumed", `${view.resumes.length} time(s) after an interruption`]);
  if (view.interruptedSteps.length > 0) {
    rows.push(["Interrupted steps", view.interruptedSteps.map((s) => code(s)).join(", ")]);
  }
  return [
    "## Summary",
    "",
    ...table(
      ["Field", "Value"],
      rows.map(([k, v]) => [k, cell(v)]),
    ),
  ];
}

function stepsSection(view: RollbackView): string[] {
  if (view.steps.length === 0)
    return ["## Steps", "", "The plan had no steps: every component was already at the checkpoint."];
  const rows = view.steps.map((s) => {
    const duration = stepDurationMs(s);
    return [
      code(s.id),
      cell(s.component),
      cell(s.action),
      s.status,
      String(s.attempts.length),
      duration === undefined ? "—" : formatDuration(duration),
      cell(lastProblem(s) ?? ""),
    ];
  });
  return [
    "## Steps",
    "",
    ...table(["Step", "Component", "Action", "Status", "Attempts", "Duration", "Last error"], rows),
  ];
}

/** Attempt by attempt, only for steps that needed more than one or did not simply succeed. */
function attemptsSection(view: RollbackView): string[] {
  const eventful = view.steps.filter(
    (s) =>
      s.attempts.length > 1 || s.attempts.some((a) => a.outcome !== "succeeded" && a.outcome !== "skipped"),
  );
  if (eventful.length === 0) return [];
  const lines = eventful.flatMap((s) =>
    s.attempts.map((a) => {
      const took = a.durationMs === undefined ? "" : ` after ${formatDuration(a.durationMs)}`;
      const why = a.error ? `: ${formatErrorShort(a.error)}` : a.reason ? `: ${oneLine(a.reason)}` : "";
      return `- ${code(s.id)} attempt ${a.attempt} at ${isoTime(a.startedAt)}: ${a.outcome}${took}${why}`;
    }),
  );
  return ["### Attempts", "", ...lines];
}

function gateSection(view: RollbackView): string[] {
  const { gate } = view;
  if (!gate.required && gate.decisions.length === 0 && gate.waitingSince === undefined) return [];
  const out = ["## Gate decisions", ""];
  if (gate.required)
    out.push("The plan may lose data, so its data-loss steps needed a confirmation of this exact plan.", "");
  if (gate.waitingSince !== undefined) {
    out.push(
      `Waiting for confirmation since ${isoTime(gate.waitingSince)} for ${gate.waitingSteps.map((s) => code(s)).join(", ") || "the data-loss steps"}.`,
      "",
    );
  }
  if (gate.decisions.length === 0) {
    out.push("No decision recorded.");
    return out;
  }
  const rows = gate.decisions.map((d) => [
    isoTime(d.at),
    d.type,
    cell(d.by ?? ""),
    cell(d.via ?? ""),
    code(d.planHash) + (d.planHash === view.plan.hash ? "" : " (not this plan)"),
    cell(d.reason ?? ""),
  ]);
  out.push(...table(["Time", "Decision", "By", "Via", "Plan hash", "Reason"], rows));
  return out;
}

function escalationSection(view: RollbackView): string[] {
  const e = view.escalation;
  if (!e) return [];
  const hook =
    e.hookOk === undefined
      ? "no result recorded"
      : e.hookOk
        ? "notified"
        : `not notified${e.hookError ? ` (${formatErrorShort(e.hookError)})` : ""}`;
  const ids = (list: string[]) => (list.length > 0 ? list.map((s) => code(s)).join(", ") : "none");
  return [
    "## Escalation",
    "",
    `- **When:** ${isoTime(e.at)}`,
    `- **Reason:** ${oneLine(e.reason)}`,
    `- **Failed steps:** ${ids(e.failedSteps)}`,
    `- **Done:** ${ids(e.done)}`,
    `- **Not done:** ${ids(e.notDone)}`,
    `- **Escalation channel:** ${hook}`,
  ];
}

function emergencySection(view: RollbackView): string[] {
  const em = view.emergency;
  if (!em) return [];
  const out = [
    "## Emergency procedure",
    "",
    `Started at ${isoTime(em.startedAt)}; planned: ${listOrNone(em.planned)}.`,
    "",
  ];
  for (const s of em.steps) {
    const detail = s.ok ? "ok" : `failed${s.error ? `: ${formatErrorShort(s.error)}` : ""}`;
    out.push(`- ${s.name} (${isoTime(s.at)}): ${detail}`);
  }
  if (em.steps.length > 0) out.push("");
  out.push(
    em.finished
      ? `Finished at ${em.finishedAt === undefined ? "an unknown time" : isoTime(em.finishedAt)}.`
      : "Not finished: the journal ends before the procedure did.",
  );
  return out;
}

/** `ordered`: the rollback's entries in seq order (journalOrder). */
function timelineSection(view: RollbackView, ordered: JournalEntry[]): string[] {
  const origin = timelineOrigin(view);
  const lines = ordered.map(
    (e) => `${formatOffset(e.at - origin)} ${e.event.type} ${summarizeEvent(e.event)}`,
  );
  const from = view.startedAt === undefined ? "queueing" : "the start";
  return ["## Timeline", "", `Offsets from ${from} (${isoTime(origin)}).`, "", ...fenced(lines)];
}

function postMortemSection(view: RollbackView): string[] {
  const { plan } = view;
  const end = view.finishedAt === undefined ? "(not finished)" : isoTime(view.finishedAt);
  const rolledBack = plan.components
    .filter((c) => !c.upToDate)
    .map((c) => {
      const steps = view.steps.filter((s) => s.component === c.name);
      const complete = steps.every((s) => s.status === "succeeded" || s.status === "skipped");
      const pulled =
        c.reason === "pulled-in" ? `, pulled in${c.because ? `: ${oneLine(c.because)}` : ""}` : "";
      return `  - ${c.name} (${c.kind}): ${c.from.version} → ${c.to.version}${complete ? "" : " — not completed"}${pulled}`;
    });
  return [
    "## Post-mortem",
    "",
    `- **Impact window:** from the deploy that followed checkpoint ${plan.checkpoint.name} (taken ${isoTime(plan.checkpoint.createdAt)}) until the rollback finished at ${end}. _Narrow it to the first user-visible error._`,
    `- **Trigger:** rollback requested by ${view.requestedBy} at ${isoTime(view.createdAt)}. _Add the alert or observation that led to it._`,
    `- **What was rolled back:**${rolledBack.length === 0 ? " nothing (every component was already at the checkpoint)" : ""}`,
    ...rolledBack,
    "- **Root cause:** _to fill in_",
    "- **Action items:** _to fill in_",
  ];
}
