/**
 * The live monitor's error rate against its abort threshold, on the timeline's time scale,
 * so a climbing error rate lines up with the step that caused it.
 */
import { formatOffset } from "../format.js";
import { esc, num } from "./escape.js";
import type { MonitorSample } from "../journal-extras.js";
import type { TimeScale } from "./time-scale.js";

export const MONITOR_HEIGHT = 90;
const LABEL_X = 8;

export function percent(rate: number): string {
  const p = rate * 100;
  return `${p < 10 && p !== 0 && !Number.isInteger(p) ? p.toFixed(1) : Math.round(p)}%`;
}

export function renderMonitorChart(samples: MonitorSample[], scale: TimeScale, top: number): string {
  const bottom = top + MONITOR_HEIGHT;
  const maxRate = Math.max(
    0.01,
    ...samples.map((s) => s.errorRate * 1.1),
    ...samples.map((s) => s.threshold * 1.25),
  );
  const y = (rate: number) => bottom - (Math.min(Math.max(rate, 0), maxRate) / maxRate) * MONITOR_HEIGHT;
  const left = scale.x(scale.origin);
  const right = scale.x(scale.end);
  const points = (pick: (s: MonitorSample) => number) =>
    samples.map((s) => `${num(scale.x(s.at))},${num(y(pick(s)))}`).join(" ");
  const last = samples[samples.length - 1];
  const judged = samples.filter((s) => !s.blind);
  const judgedPoints = judged.map((s) => `${num(scale.x(s.at))},${num(y(s.errorRate))}`).join(" ");
  const dots = samples.map((s) => {
    const over = s.errorRate > s.threshold;
    const cls = `sample${over ? " over" : ""}${s.aborted ? " aborted" : ""}`;
    const failing = s.results.filter((r) => r.status !== "pass").map((r) => r.name);
    if (s.blind) {
      // Nothing could be judged: no value to plot; a hollow mark on the baseline says "n/a".
      const title = `${formatOffset(s.at - scale.origin)}: failing checks n/a (no check could be judged: ${failing.join(", ")})`;
      return `<circle class="sample blind" cx="${num(scale.x(s.at))}" cy="${num(bottom)}" r="3.5" data-error-rate="n/a"><title>${esc(title)}</title></circle>`;
    }
    const title = `${formatOffset(s.at - scale.origin)}: failing checks ${percent(s.errorRate)} (threshold ${percent(s.threshold)})${failing.length > 0 ? `; not passing: ${failing.join(", ")}` : ""}${s.aborted ? "; aborted the rollback" : ""}`;
    return `<circle class="${cls}" cx="${num(scale.x(s.at))}" cy="${num(y(s.errorRate))}" r="3.5" data-error-rate="${s.errorRate}"><title>${esc(title)}</title></circle>`;
  });
  // One sample is a dot, not a line: the threshold is then drawn across the whole chart.
  const threshold =
    samples.length > 1
      ? `<polyline class="threshold" points="${points((s) => s.threshold)}"/>`
      : `<line class="threshold" x1="${num(left)}" x2="${num(right)}" y1="${num(y(last?.threshold ?? 0))}" y2="${num(y(last?.threshold ?? 0))}"/>`;
  return [
    `<g id="monitor" class="monitor-chart" data-samples="${samples.length}">`,
    `<rect class="frame" x="${num(left)}" y="${top}" width="${num(right - left)}" height="${MONITOR_HEIGHT}"/>`,
    `<text class="step-label" x="${LABEL_X}" y="${top + 14}">monitor: failing checks</text>`,
    `<text class="legend" x="${LABEL_X}" y="${top + 30}">dashed: abort threshold ${esc(percent(last?.threshold ?? 0))}</text>`,
    `<text class="y-label" x="${num(left - 4)}" y="${top + 10}" text-anchor="end">${esc(percent(maxRate))}</text>`,
    `<text class="y-label" x="${num(left - 4)}" y="${bottom}" text-anchor="end">0%</text>`,
    threshold,
    judged.length > 1 ? `<polyline class="error-rate" points="${judgedPoints}"/>` : "",
    ...dots,
    "</g>",
  ]
    .filter((p) => p !== "")
    .join("\n");
}
