/**
 * The moments and spans drawn across the Gantt: gate waits, the emergency procedure (spans),
 * resumes, escalation, deadline and the end (vertical markers with a label above the rows).
 */
import type { RollbackView } from "../rollback-view.js";
import { formatDuration, isoTime } from "../format.js";
import { esc, num } from "./escape.js";
import type { JournalExtras } from "../journal-extras.js";
import type { TimeScale } from "./time-scale.js";

export type MarkerKind =
  "escalation" | "deadline" | "resume" | "interrupted" | "finished" | "gate-wait" | "emergency";

export interface Marker {
  at: number;
  kind: MarkerKind;
  label: string;
  title: string;
  /** Spans (gate waits, emergency) are shaded from `at` to `to`. */
  to?: number;
  /** Extra class, e.g. the gate decision. */
  variant?: string;
}

export function collectMarkers(view: RollbackView, extras: JournalExtras, end: number): Marker[] {
  const out: Marker[] = [];
  for (const w of extras.gateWaits) {
    const decided = w.outcome === "open" ? "no decision yet" : w.outcome;
    out.push({
      at: w.from,
      to: w.to ?? end,
      kind: "gate-wait",
      variant: w.outcome,
      label: "gate wait",
      title: `waiting for confirmation of ${w.steps.join(", ") || "data-loss steps"} for ${formatDuration((w.to ?? end) - w.from)}: ${decided}`,
    });
  }
  const em = view.emergency;
  if (em) {
    out.push({
      at: em.startedAt,
      to: em.finishedAt ?? end,
      kind: "emergency",
      label: "emergency",
      title: `emergency procedure: ${em.planned.join(", ") || "(no steps announced)"}`,
    });
  }
  for (const i of view.interruptions) {
    out.push({
      at: i.at,
      kind: "interrupted",
      label: i.how === "stopped" ? "Ctrl-C" : "process lost",
      title:
        i.how === "stopped"
          ? `stopped by Ctrl-C at ${isoTime(i.at)}: running steps cancelled, resumable`
          : `the process stopped after its last journal entry at ${isoTime(i.at)} (crash or kill)`,
    });
  }
  for (const r of view.resumes) {
    out.push({
      at: r.at,
      kind: "resume",
      label: "resumed",
      title: `resumed (epoch ${r.epoch}) at ${isoTime(r.at)}`,
    });
  }
  const esc_ = view.escalation;
  if (esc_) {
    out.push({ at: esc_.at, kind: "escalation", label: "escalated", title: `escalated: ${esc_.reason}` });
  }
  if (view.deadlineAt !== undefined && view.deadlineAt <= end) {
    const passed = view.deadlinePassedAt === undefined ? "" : " (passed)";
    out.push({
      at: view.deadlineAt,
      kind: "deadline",
      label: "deadline",
      title: `deadline ${isoTime(view.deadlineAt)}${passed}`,
    });
  }
  if (view.finishedAt !== undefined) {
    out.push({ at: view.finishedAt, kind: "finished", label: "end", title: `finished: ${view.state}` });
  }
  return out.sort((a, b) => a.at - b.at);
}

const LEVELS = [13, 27, 41];
const CHAR_PX = 6.4;

/** Spans behind the rows, lines and labels in front; labels step down a level when they would collide. */
export function renderMarkers(
  markers: Marker[],
  scale: TimeScale,
  top: number,
  bottom: number,
  right: number,
) {
  const lastRight = LEVELS.map(() => -Infinity);
  const spans: string[] = [];
  const lines: string[] = [];
  for (const m of markers) {
    const x = scale.x(m.at);
    const width = m.label.length * CHAR_PX + 8;
    const fitsRight = x + width <= right;
    const left = fitsRight ? x : x - width;
    let level = lastRight.findIndex((r) => r < left);
    if (level < 0) level = LEVELS.length - 1;
    lastRight[level] = left + width;
    const y = LEVELS[level] ?? 13;
    const cls = `marker ${m.kind}${m.variant ? ` ${m.variant}` : ""}`;
    const id =
      m.kind === "escalation" || m.kind === "deadline" || m.kind === "emergency"
        ? ` id="marker-${m.kind}"`
        : "";
    const label = `<text class="marker-label" x="${num(fitsRight ? x + 3 : x - 3)}" y="${y}" text-anchor="${fitsRight ? "start" : "end"}">${esc(m.label)}</text>`;
    const title = `<title>${esc(m.title)}</title>`;
    if (m.to !== undefined) {
      const w = Math.max(2, scale.x(m.to) - x);
      spans.push(
        `<g class="${cls}"${id} data-at="${m.at}">${title}<rect class="span" x="${num(x)}" y="${top}" width="${num(w)}" height="${bottom - top}"/>${label}</g>`,
      );
    } else {
      lines.push(
        `<g class="${cls}"${id} data-at="${m.at}">${title}<line x1="${num(x)}" x2="${num(x)}" y1="${y + 3}" y2="${bottom}"/>${label}</g>`,
      );
    }
  }
  return { spans: spans.join("\n"), lines: lines.join("\n") };
}
