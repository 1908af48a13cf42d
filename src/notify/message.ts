/**
 * What a notification says. Read in an incident, so: what happened, to which rollback, and
 * the one command to run next (for a paused rollback, the exact approve command).
 */
import type { NotificationAbout, NotificationMessage } from "../core/checks.js";

export interface NotifyMessage extends NotificationMessage {
  /** Where the full report is, e.g. "backout report rb-1 --format md" or a file path. */
  reportHint?: string;
}

/** The parts every channel renders in its own markup. */
export interface MessageParts {
  headline: string;
  summary: string;
  facts: [string, string][];
  /** Shell commands, in the order to run them. */
  next: { label: string; command: string }[];
  report?: string;
}

const ICONS: Record<NotificationAbout, string> = {
  started: ":rewind:",
  "awaiting-confirmation": ":double_vertical_bar:",
  escalated: ":rotating_light:",
  succeeded: ":white_check_mark:",
  failed: ":x:",
  "timed-out": ":alarm_clock:",
  "monitor-blind": ":see_no_evil:",
  "auto-rollback-suppressed": ":no_entry:",
};

export function messageParts(m: NotifyMessage): MessageParts {
  const id = m.rollbackId;
  const where = `in ${m.environment}`;
  const show = { label: "details", command: `backout show ${id}` };
  const byAbout: Record<NotificationAbout, Pick<MessageParts, "headline" | "next">> = {
    started: {
      headline: `Rollback ${id} started ${where}`,
      next: [{ label: "follow it", command: `backout status ${id}` }],
    },
    "awaiting-confirmation": {
      headline: `Rollback ${id} ${where} is PAUSED: data-loss steps need confirmation`,
      next: [
        { label: "review the plan", command: `backout show ${id}` },
        { label: "approve it", command: `backout approve ${id} --plan-hash ${m.planHash.slice(0, 12)}` },
      ],
    },
    escalated: {
      headline: `Rollback ${id} ${where} ESCALATED: a human must take over`,
      next: [{ label: "see what was done and what was not", command: `backout show ${id}` }],
    },
    succeeded: {
      headline: `Rollback ${id} ${where} succeeded`,
      next: [show],
    },
    failed: {
      headline: `Rollback ${id} ${where} FAILED`,
      next: [{ label: "see which step failed and why", command: `backout show ${id}` }],
    },
    "timed-out": {
      headline: `Rollback ${id} ${where} TIMED OUT: the emergency procedure ran`,
      next: [{ label: "check what was left undone", command: `backout show ${id}` }],
    },
    "monitor-blind": {
      headline: `Rollback ${id} ${where}: the live monitor is BLIND (its checks cannot be judged)`,
      next: [{ label: "look at the system yourself; follow the rollback", command: `backout status` }],
    },
    "auto-rollback-suppressed": {
      headline: `An alert ${where} asked for a rollback; the automatic rollback was SUPPRESSED`,
      next: [
        { label: "look at the system; to roll back anyway, review", command: "backout plan" },
        { label: "then", command: "backout run" },
      ],
    },
  };
  const parts: MessageParts = {
    ...byAbout[m.about],
    summary: m.summary,
    facts: [
      ["Rollback", id],
      ["Environment", m.environment],
      ["State", m.state],
      ["Plan", m.planHash.slice(0, 12)],
    ],
  };
  if (m.link !== undefined) parts.next.push({ label: "or in the browser", command: m.link });
  if (m.reportHint !== undefined) parts.report = m.reportHint;
  return parts;
}

/** Plain text (webhook payloads, logs). */
export function plainText(m: NotifyMessage): string {
  const p = messageParts(m);
  const lines = [p.headline, p.summary, p.facts.map(([k, v]) => `${k}: ${v}`).join(" | ")];
  for (const n of p.next) lines.push(`Next (${n.label}): ${n.command}`);
  if (p.report !== undefined) lines.push(`Report: ${p.report}`);
  return lines.filter((l) => l.length > 0).join("\n");
}

/** Slack mrkdwn needs only these three escaped (api.slack.com "Escaping text"). */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export interface SlackPayload {
  text: string;
  blocks: Record<string, unknown>[];
}

/** `text` is the notification/fallback line; `blocks` the laid-out message. */
export function slackPayload(m: NotifyMessage): SlackPayload {
  const p = messageParts(m);
  const headline = `${ICONS[m.about]} *${slackEscape(p.headline)}*`;
  const next = p.next.map((n) => `${slackEscape(n.label)}: \`${slackEscape(n.command)}\``);
  const blocks: Record<string, unknown>[] = [{ type: "section", text: { type: "mrkdwn", text: headline } }];
  if (p.summary.length > 0) {
    // Slack rejects section texts over 3000 characters.
    blocks.push({ type: "section", text: { type: "mrkdwn", text: slackEscape(p.summary).slice(0, 2900) } });
  }
  blocks.push(
    {
      type: "section",
      fields: p.facts.map(([k, v]) => ({ type: "mrkdwn", text: `*${k}*\n${slackEscape(v)}` })),
    },
    { type: "section", text: { type: "mrkdwn", text: `*Next*\n${next.join("\n")}` } },
  );
  if (p.report !== undefined) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: `Report: ${slackEscape(p.report)}` }],
    });
  }
  // `text` is what phone notifications and clients without blocks show: keep it to one line.
  const summary = p.summary.length > 0 ? ` — ${slackEscape(p.summary).slice(0, 300)}` : "";
  return { text: `${headline}${summary} — next: ${next.join(" · ")}`, blocks };
}

/**
 * Standard Webhooks recommends {type, timestamp, data}, the type "."-separated. The type is
 * `rollback.` and the `on:` value, spelled the same (`rollback.timed-out`). The timestamp is
 * the event's, so every attempt sends the same body.
 */
export function eventType(about: NotifyMessage["about"]): string {
  return `rollback.${about}`;
}

export function webhookPayload(m: NotifyMessage): Record<string, unknown> {
  return {
    type: eventType(m.about),
    timestamp: new Date(m.at).toISOString(),
    data: {
      rollbackId: m.rollbackId,
      environment: m.environment,
      about: m.about,
      state: m.state,
      summary: m.summary,
      planHash: m.planHash,
      ...(m.link === undefined ? {} : { link: m.link }),
      ...(m.reportHint === undefined ? {} : { reportHint: m.reportHint }),
      next: messageParts(m).next.map((n) => n.command),
      text: plainText(m),
    },
  };
}
