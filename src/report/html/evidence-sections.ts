/** Validation results, the monitor's samples and the notifications sent, as the journal recorded them. */
import { formatDuration, formatErrorShort, formatOffset, oneLine } from "../format.js";
import { codeSpan, esc, htmlTable } from "./escape.js";
import { blindShare, undeliveredNotifications, type JournalExtras } from "../journal-extras.js";
import { percent } from "./monitor-svg.js";

export function validationSection(extras: JournalExtras, origin: number): string {
  const rows = extras.validations.map(({ at, result: r }) => [
    esc(formatOffset(at - origin)),
    esc(r.name),
    esc(r.kind),
    esc(r.component ?? ""),
    `<span class="check-status ${esc(r.status)}">${esc(r.status)}</span>`,
    esc(oneLine(r.detail, 500)),
    esc(r.value === undefined ? "" : String(r.value)),
    esc(formatDuration(r.durationMs)),
  ]);
  const counts = countBy(extras.validations.map((v) => v.result.status));
  const line =
    rows.length === 0
      ? ""
      : `<p>${esc(`${rows.length} check(s): ${counts.pass ?? 0} passed, ${counts.fail ?? 0} failed, ${counts.error ?? 0} could not be judged.`)}</p>`;
  const table = htmlTable(
    ["At", "Check", "Kind", "Component", "Status", "Detail", "Value", "Took"],
    rows,
    "No validation result recorded.",
  );
  return `<section id="validation"><h2>Validation</h2>\n${line}\n${table}</section>`;
}

export function monitorSection(extras: JournalExtras, origin: number): string {
  const samples = extras.samples;
  if (samples.length === 0) {
    return `<section id="monitoring"><h2>Monitoring</h2>\n<p class="none">No monitor sample recorded.</p></section>`;
  }
  const judged = samples.filter((s) => !s.blind);
  const worst = judged.reduce<(typeof judged)[number] | undefined>(
    (a, b) => (a === undefined || b.errorRate > a.errorRate ? b : a),
    undefined,
  );
  const over = judged.filter((s) => s.errorRate > s.threshold).length;
  const aborted = samples.find((s) => s.aborted);
  const blind = blindShare(samples);
  const text = [
    worst
      ? `${samples.length} sample(s); highest share of failing checks ${percent(worst.errorRate)} at ${formatOffset(worst.at - origin)} (threshold ${percent(worst.threshold)}, aborts when strictly above);`
      : `${samples.length} sample(s); share of failing checks n/a in every one;`,
    `${over} above the threshold.`,
    blind ? `Monitor blind for ${blind}: no check could be judged (n/a).` : "",
    aborted
      ? `The monitor aborted the rollback at ${formatOffset(aborted.at - origin)}.${aborted.runningSteps ? ` ${aborted.runningSteps.join(", ")} ${aborted.runningSteps.length === 1 ? "was" : "were"} already running and allowed to finish; no later step started.` : ""}`
      : "The monitor did not abort the rollback.",
  ]
    .filter((t) => t !== "")
    .join(" ");
  return `<section id="monitoring"><h2>Monitoring</h2>\n<p>${esc(text)}</p></section>`;
}

export function notificationsSection(extras: JournalExtras, origin: number): string {
  const rows = extras.notifications.map((n) => [
    esc(formatOffset(n.at - origin)),
    esc(n.about),
    codeSpan(n.channel),
    n.ok
      ? `<span class="check-status pass">delivered</span>`
      : `<span class="check-status fail">${n.pending ? "not delivered yet" : "not delivered"}</span>`,
    esc(n.error ? formatErrorShort(n.error) : ""),
  ]);
  const table = htmlTable(["At", "About", "Channel", "Result", "Error"], rows, "No notification recorded.");
  const left = undeliveredNotifications(extras);
  const line =
    left.length === 0
      ? ""
      : `<p class="undelivered">${esc(`${left.length} notification(s) not delivered: ${left.map((n) => `${n.about} to ${n.channel}`).join("; ")}.${left.some((n) => n.pending) ? " They stay in the outbox; the next backout command for this environment tries again with the same webhook-id." : ""}`)}</p>\n`;
  return `<section id="notifications"><h2>Notifications</h2>\n${line}${table}</section>`;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
