/**
 * The timeline as an inline SVG Gantt: one row per step, one bar per attempt coloured by
 * its outcome, markers across the rows, validation checks in their own row, and the
 * monitor's error rate as a small line chart under the time axis (same time scale).
 */
import type { AttemptView, RollbackView, StepView } from "../rollback-view.js";
import { formatDuration, formatErrorShort, formatOffset, oneLine } from "../format.js";
import { esc, num } from "./escape.js";
import type { JournalExtras, ValidationRecord } from "../journal-extras.js";
import { renderMonitorChart, MONITOR_HEIGHT } from "./monitor-svg.js";
import { collectMarkers, renderMarkers } from "./timeline-markers.js";
import { timeScale, type TimeScale } from "./time-scale.js";

const WIDTH = 1000;
const LABEL_W = 230;
const PAD_R = 24;
const TOP = 50;
const ROW_H = 24;
const BAR_H = 14;

export function renderTimelineSvg(view: RollbackView, extras: JournalExtras): string {
  const { origin, end } = timeRange(view, extras);
  const right = WIDTH - PAD_R;
  const scale = timeScale(origin, end, LABEL_W, right - LABEL_W);
  const rowCount = Math.max(1, view.steps.length + (extras.validations.length > 0 ? 1 : 0));
  const bottom = TOP + rowCount * ROW_H;
  const deadlineNote = offChartDeadline(view, end);
  const monitorTop = bottom + (deadlineNote ? 46 : 32);
  const height = monitorTop + (extras.samples.length > 0 ? MONITOR_HEIGHT + 26 : 0) + 4;
  const markers = renderMarkers(collectMarkers(view, extras, end), scale, TOP, bottom, right);
  const rows = view.steps.map((s, i) => stepRow(s, i, scale, end));
  if (extras.validations.length > 0) rows.push(validationRow(extras.validations, view.steps.length, scale));
  if (view.steps.length === 0 && extras.validations.length === 0) {
    rows.push(
      `<text class="empty" x="${LABEL_W}" y="${TOP + 16}">No steps: every component was already at the checkpoint.</text>`,
    );
  }
  return [
    `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="timeline-title" data-origin="${origin}" data-end="${end}">`,
    `<title id="timeline-title">Timeline of rollback ${esc(view.id)}: ${esc(view.state)}</title>`,
    `<g class="spans">${markers.spans}</g>`,
    axis(scale, TOP, bottom),
    `<g class="rows">\n${rows.join("\n")}\n</g>`,
    `<g class="markers">\n${markers.lines}\n</g>`,
    deadlineNote
      ? `<text class="marker deadline off-chart" x="${right}" y="${bottom + 36}" text-anchor="end">${esc(deadlineNote)}</text>`
      : "",
    extras.samples.length > 0 ? renderMonitorChart(extras.samples, scale, monitorTop) : "",
    "</svg>",
  ]
    .filter((p) => p !== "")
    .join("\n");
}

/** From the start (or queueing) to the last thing the journal knows about; at least one second. */
function timeRange(view: RollbackView, extras: JournalExtras): { origin: number; end: number } {
  const origin = view.startedAt ?? view.createdAt;
  const times = [view.finishedAt ?? view.lastEventAt];
  for (const s of view.steps) for (const a of s.attempts) times.push(a.endedAt ?? a.startedAt);
  for (const v of extras.validations) times.push(v.at);
  for (const m of extras.samples) times.push(m.at);
  if (view.deadlinePassedAt !== undefined && view.deadlineAt !== undefined) times.push(view.deadlineAt);
  return { origin, end: Math.max(origin + 1000, ...times) };
}

/** A deadline far beyond the end would squash every bar; it is named instead of drawn. */
function offChartDeadline(view: RollbackView, end: number): string | undefined {
  if (view.deadlineAt === undefined || view.deadlineAt <= end) return undefined;
  return `deadline ${formatDuration(view.deadlineAt - end)} after the end →`;
}

function axis(scale: TimeScale, top: number, bottom: number): string {
  const ticks = scale
    .ticks()
    .map(
      (t) =>
        `<g class="tick"><line x1="${num(t.x)}" x2="${num(t.x)}" y1="${top}" y2="${bottom + 4}"/><text x="${num(t.x)}" y="${bottom + 17}" text-anchor="middle">${esc(t.label)}</text></g>`,
    );
  return `<g class="axis" id="time-axis"><line class="baseline" x1="${LABEL_W}" x2="${num(scale.x(scale.end))}" y1="${bottom}" y2="${bottom}"/>\n${ticks.join("\n")}</g>`;
}

function rowLabel(text: string, y: number, full: string): string {
  const shown = text.length > 32 ? `${text.slice(0, 31)}…` : text;
  return `<text class="step-label" x="8" y="${y + ROW_H / 2 + 4}"><title>${esc(full)}</title>${esc(shown)}</text>`;
}

function stepRow(step: StepView, index: number, scale: TimeScale, end: number): string {
  const y = TOP + index * ROW_H;
  const barY = y + (ROW_H - BAR_H) / 2;
  const parts = [
    `<g class="row step-row status-${esc(step.status)}" data-step="${esc(step.id)}">`,
    `<rect class="row-bg${index % 2 ? " odd" : ""}" x="0" y="${y}" width="${WIDTH}" height="${ROW_H}"/>`,
    rowLabel(step.id, y, `${step.id}: ${step.description} (${step.status})`),
  ];
  step.attempts.forEach((a, i) => {
    const next = step.attempts[i + 1];
    if (a.outcome === "failed" && a.endedAt !== undefined && next) {
      // The backoff between a failed attempt and the next one.
      const cy = num(barY + BAR_H / 2);
      parts.push(
        `<line class="retry-wait" x1="${num(scale.x(a.endedAt))}" x2="${num(scale.x(next.startedAt))}" y1="${cy}" y2="${cy}"/>`,
      );
    }
    parts.push(attemptBar(step, a, scale, barY, end));
  });
  parts.push("</g>");
  return parts.join("");
}

function attemptBar(step: StepView, a: AttemptView, scale: TimeScale, y: number, end: number): string {
  const x = scale.x(a.startedAt);
  const width = Math.max(3, scale.x(a.endedAt ?? end) - x);
  const took = a.durationMs === undefined ? "no end recorded" : formatDuration(a.durationMs);
  const why = a.error ? `: ${formatErrorShort(a.error)}` : a.reason ? `: ${oneLine(a.reason)}` : "";
  const title = `${step.id} attempt ${a.attempt}: ${a.outcome}, ${took}, from ${formatOffset(a.startedAt - scale.origin)}${why}`;
  return `<rect class="attempt ${a.outcome}" data-step="${esc(step.id)}" data-attempt="${a.attempt}" x="${num(x)}" y="${num(y)}" width="${num(width)}" height="${BAR_H}" rx="2"><title>${esc(title)}</title></rect>`;
}

function validationRow(records: ValidationRecord[], index: number, scale: TimeScale): string {
  const y = TOP + index * ROW_H;
  const cy = y + ROW_H / 2;
  const checks = records.map((v) => {
    const x = scale.x(v.at);
    const r = v.result;
    const title = `${r.name} (${r.kind}): ${r.status}, ${oneLine(r.detail)}`;
    return `<path class="check ${esc(r.status)}" data-check="${esc(r.name)}" d="M${num(x)} ${cy - 6} L${num(x + 6)} ${cy} L${num(x)} ${cy + 6} L${num(x - 6)} ${cy} Z"><title>${esc(title)}</title></path>`;
  });
  return [
    `<g class="row validation-row">`,
    `<rect class="row-bg${index % 2 ? " odd" : ""}" x="0" y="${y}" width="${WIDTH}" height="${ROW_H}"/>`,
    rowLabel("validation", y, "validation checks after the steps"),
    ...checks,
    "</g>",
  ].join("");
}
