/**
 * Report sections built from evidence beyond the steps: the state traffic was left in,
 * validation results, monitor samples and notifications.
 */
import { isTerminal } from "../core/model.js";
import { formatErrorShort, isoTime, oneLine } from "./format.js";
import {
  blindShare,
  failingShareText,
  undeliveredNotifications,
  type JournalExtras,
} from "./journal-extras.js";
import { cell, code, fenced, table } from "./markdown-text.js";
import type { RollbackView } from "./rollback-view.js";

/**
 * When a rollback ends without its "post" steps, traffic stays where the "pre" steps put it
 * (paused, drained, on maintenance): the safe state. The report must say so plainly.
 */
export function trafficSection(view: RollbackView): string[] {
  if (!isTerminal(view.state) || view.state === "succeeded") return [];
  const pre = view.steps.filter(
    (s) => s.phase === "pre" && (s.status === "succeeded" || s.status === "skipped"),
  );
  const postNotRun = view.steps.filter(
    (s) => s.phase === "post" && s.status !== "succeeded" && s.status !== "skipped",
  );
  if (pre.length === 0 || postNotRun.length === 0) return [];
  return [
    "## Traffic left in its safe state",
    "",
    `Traffic was paused or drained before the rollback (${pre.map((s) => code(s.id)).join(", ")}) and was **not** restored, because the rollback ended ${view.state}: ${postNotRun.map((s) => code(s.id)).join(", ")} did not run.`,
    "",
    "Users get the maintenance response (or the remaining servers) until someone restores traffic: fix the cause and resume or plan a new rollback, or run the restore step's change by hand.",
  ];
}

export function validationSection(extras: JournalExtras): string[] {
  const results = extras.validations;
  if (results.length === 0) return [];
  const rows = results.map(({ result: r }) => [
    cell(r.name),
    r.kind,
    r.status === "pass" ? "pass" : `**${r.status}**`,
    cell(oneLine(r.detail, 200)),
    r.component ?? "",
  ]);
  const bad = results.filter((v) => v.result.status !== "pass").length;
  return [
    "## Validation",
    "",
    bad === 0 ? "Every check passed." : `${bad} of ${results.length} check(s) did not pass.`,
    "",
    ...table(["Check", "Kind", "Status", "Detail", "Component"], rows),
  ];
}

export function monitorSection(extras: JournalExtras): string[] {
  const samples = extras.samples;
  if (samples.length === 0) return [];
  const rows = samples.map((s) => [
    isoTime(s.at),
    failingShareText(s),
    String(s.threshold),
    s.aborted ? "**aborted**" : "",
    cell(s.results.map((r) => `${r.name}: ${r.status === "error" ? "n/a (error)" : r.status}`).join("; ")),
  ]);
  const blind = blindShare(samples);
  const aborted = samples.find((s) => s.aborted);
  const notes = [
    ...(blind === undefined
      ? []
      : [
          `**Monitor blind for ${blind}**: none of their checks could be judged (every result \`error\`), so they say nothing about the system (n/a below).`,
        ]),
    ...(aborted?.runningSteps
      ? [
          `The monitor stopped dispatching at ${isoTime(aborted.at)} while ${aborted.runningSteps.map(code).join(", ")} ${aborted.runningSteps.length === 1 ? "was" : "were"} already running; ${aborted.runningSteps.length === 1 ? "it was" : "they were"} allowed to finish, and no later step started.`,
        ]
      : []),
  ];
  return [
    "## Live monitor",
    "",
    ...notes.flatMap((n) => [n, ""]),
    "Failing checks: the share of the sample's checks that failed (a check that could not be judged does not count); the rollback aborts when it is strictly greater than the threshold.",
    "",
    ...table(["Time", "Failing checks", "Threshold", "", "Checks"], rows),
  ];
}

export function notificationsSection(extras: JournalExtras): string[] {
  const sent = extras.notifications;
  if (sent.length === 0) return [];
  const rows = sent.map((n) => [
    isoTime(n.at),
    cell(n.channel),
    n.about,
    n.ok
      ? "delivered"
      : `${n.pending ? "not delivered yet" : "failed"}${n.error ? `: ${cell(formatErrorShort(n.error))}` : ""}`,
  ]);
  const left = undeliveredNotifications(extras);
  const summary =
    left.length === 0
      ? []
      : [
          `**${left.length} notification(s) not delivered** (${left.map((n) => `${n.about} to ${cell(n.channel)}`).join("; ")}). ${left.some((n) => n.pending) ? "They stay in the outbox: the next backout command for this environment tries again, with the same webhook-id; `backout status` lists them." : ""}`.trim(),
          "",
        ];
  return ["## Notifications", "", ...summary, ...table(["Time", "Channel", "About", "Result"], rows)];
}

/** What the providers said a step did (a replay's per-table counts, a command's output tail). */
export function stepOutputSection(view: RollbackView): string[] {
  const withOutput = view.steps.filter((s) => s.output !== undefined && s.output.trim() !== "");
  if (withOutput.length === 0) return [];
  const out = ["## Step output", ""];
  for (const s of withOutput) out.push(`### ${code(s.id)}`, "", ...fenced((s.output ?? "").split("\n")), "");
  return out.slice(0, -1);
}
