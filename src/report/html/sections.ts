/** Summary, steps, attempts, gate and escalation sections of the HTML report. */
import { formatDuration, formatErrorShort, formatOffset, isoTime, oneLine } from "../format.js";
import type { RollbackView } from "../rollback-view.js";
import { lastProblem, rollbackDurationMs, stepDurationMs, timelineOrigin } from "../view-metrics.js";
import { codeSpan, esc, htmlTable } from "./escape.js";

export function summarySection(view: RollbackView): string {
  const { plan } = view;
  const duration = rollbackDurationMs(view);
  const rows: [string, string][] = [
    ["State", `<span class="state ${esc(view.state)}">${esc(view.state)}</span>`],
    ["Environment", esc(view.environment)],
    [
      "Checkpoint",
      `${esc(plan.checkpoint.name)} (${codeSpan(plan.checkpoint.id)}, taken ${esc(isoTime(plan.checkpoint.createdAt))})`,
    ],
    ["Plan hash", codeSpan(plan.hash)],
    ["Requested by", esc(view.requestedBy)],
    ["Queued", esc(isoTime(view.createdAt))],
    ["Started", esc(view.startedAt === undefined ? "not started" : isoTime(view.startedAt))],
    ["Finished", esc(view.finishedAt === undefined ? "not finished" : isoTime(view.finishedAt))],
    ["Duration", esc(duration === undefined ? "—" : formatDuration(duration))],
  ];
  if (view.deadlineAt !== undefined) {
    const passed =
      view.deadlinePassedAt === undefined ? "" : ` (passed at ${isoTime(view.deadlinePassedAt)})`;
    rows.push(["Deadline", esc(`${isoTime(view.deadlineAt)}${passed}`)]);
  }
  if (view.endReason !== undefined) rows.push(["Reason", esc(oneLine(view.endReason, 1000))]);
  if (view.resumes.length > 0)
    rows.push(["Resumed", esc(`${view.resumes.length} time(s) after an interruption`)]);
  if (view.interruptedSteps.length > 0)
    rows.push(["Interrupted steps", view.interruptedSteps.map(codeSpan).join(", ")]);
  const components = plan.components.map(
    (c) =>
      `${esc(c.name)} (${esc(c.kind)}): ${esc(c.from.version)} → ${esc(c.to.version)}${c.upToDate ? " (already there)" : ""}`,
  );
  if (components.length > 0) rows.push(["Components", components.join("<br>")]);
  const body = rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`).join("\n");
  return `<section id="summary"><h2>Summary</h2>\n<table class="summary">\n${body}\n</table></section>`;
}

export function stepsSection(view: RollbackView): string {
  const rows = view.steps.map((s) => {
    const d = stepDurationMs(s);
    return [
      codeSpan(s.id),
      esc(s.component),
      esc(s.action),
      esc(s.description),
      esc(s.phase),
      s.dataLoss ? `<strong class="data-loss">yes</strong>` : "no",
      `<span class="status ${esc(s.status)}">${esc(s.status)}</span>`,
      String(s.attempts.length),
      esc(d === undefined ? "—" : formatDuration(d)),
      esc(lastProblem(s) ?? ""),
    ];
  });
  const table = htmlTable(
    [
      "Step",
      "Component",
      "Action",
      "Description",
      "Phase",
      "Data loss",
      "Status",
      "Attempts",
      "Duration",
      "Last error",
    ],
    rows,
    "The plan had no steps: every component was already at the checkpoint.",
  );
  return `<section id="steps"><h2>Steps</h2>\n${table}\n${attemptsTable(view)}</section>`;
}

function attemptsTable(view: RollbackView): string {
  const origin = timelineOrigin(view);
  const rows = view.steps.flatMap((s) =>
    s.attempts.map((a) => [
      codeSpan(s.id),
      String(a.attempt),
      esc(formatOffset(a.startedAt - origin)),
      esc(a.durationMs === undefined ? "—" : formatDuration(a.durationMs)),
      `<span class="status ${esc(a.outcome)}">${esc(a.outcome)}</span>`,
      esc(a.error ? formatErrorShort(a.error) : a.reason ? oneLine(a.reason) : ""),
    ]),
  );
  if (rows.length === 0) return "";
  return `<h3>Attempts</h3>\n${htmlTable(["Step", "Attempt", "Start", "Duration", "Outcome", "Error / reason"], rows)}`;
}

export function gateSection(view: RollbackView): string {
  const { gate } = view;
  const intro: string[] = [];
  if (!gate.required && gate.decisions.length === 0 && gate.waitingSince === undefined) {
    intro.push("<p>No step of this plan may lose data: no confirmation was needed.</p>");
  } else {
    if (gate.required)
      intro.push(
        "<p>The plan may lose data, so its data-loss steps needed a confirmation of this exact plan.</p>",
      );
    if (gate.waitingSince !== undefined) {
      intro.push(
        `<p class="waiting">Waiting for confirmation since ${esc(isoTime(gate.waitingSince))} for ${gate.waitingSteps.map(codeSpan).join(", ") || "the data-loss steps"}.</p>`,
      );
    }
  }
  const rows = gate.decisions.map((d) => [
    esc(isoTime(d.at)),
    `<span class="decision ${d.type}">${esc(d.type)}</span>`,
    esc(d.by ?? ""),
    esc(d.via ?? ""),
    codeSpan(d.planHash) + (d.planHash === view.plan.hash ? "" : " (not this plan)"),
    esc(d.reason ?? ""),
  ]);
  const table =
    gate.required || rows.length > 0
      ? htmlTable(["Time", "Decision", "By", "Via", "Plan hash", "Reason"], rows, "No decision recorded.")
      : "";
  return `<section id="gate"><h2>Gate decisions</h2>\n${intro.join("\n")}\n${table}</section>`;
}

export function escalationSection(view: RollbackView): string {
  const e = view.escalation;
  const parts = ["<h2>Escalation</h2>"];
  if (!e) {
    parts.push("<p>Not escalated.</p>");
  } else {
    const hook =
      e.hookOk === undefined
        ? "no result recorded"
        : e.hookOk
          ? "notified"
          : `not notified${e.hookError ? ` (${formatErrorShort(e.hookError)})` : ""}`;
    const ids = (list: string[]) => (list.length > 0 ? list.map(codeSpan).join(", ") : "none");
    parts.push(
      `<dl class="escalation"><dt>When</dt><dd>${esc(isoTime(e.at))}</dd><dt>Reason</dt><dd>${esc(oneLine(e.reason, 1000))}</dd>`,
      `<dt>Failed steps</dt><dd>${ids(e.failedSteps)}</dd><dt>Done</dt><dd>${ids(e.done)}</dd><dt>Not done</dt><dd>${ids(e.notDone)}</dd>`,
      `<dt>Escalation channel</dt><dd>${esc(hook)}</dd></dl>`,
    );
  }
  const em = view.emergency;
  if (em) {
    const rows = em.steps.map((s) => [
      esc(isoTime(s.at)),
      esc(s.name),
      s.ok ? "ok" : esc(`failed${s.error ? `: ${formatErrorShort(s.error)}` : ""}`),
    ]);
    parts.push(
      "<h3>Emergency procedure</h3>",
      `<p>Started at ${esc(isoTime(em.startedAt))}; planned: ${esc(em.planned.join(", ") || "none")}. ${em.finished ? `Finished at ${esc(em.finishedAt === undefined ? "an unknown time" : isoTime(em.finishedAt))}.` : "Not finished: the journal ends before the procedure did."}</p>`,
      htmlTable(["Time", "Step", "Result"], rows, "No emergency step recorded."),
    );
  }
  return `<section id="escalation">${parts.join("\n")}</section>`;
}
