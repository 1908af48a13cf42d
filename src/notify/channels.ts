/**
 * How a channel is known outside backout.yaml: by a key that holds no credential (the outbox
 * stores it instead of the URL) and by a label for results and reports.
 */
import { createHash } from "node:crypto";
import type { NotificationAbout } from "../core/checks.js";
import { maskUrl } from "./mask.js";
import type { NotificationChannel } from "./schema.js";

export function channelUrl(channel: NotificationChannel): string {
  return "slack" in channel ? channel.slack : channel.webhook;
}

/** Its name, or a hash of its kind and URL: the same channel after a restart, no secret in it. */
export function channelKey(channel: NotificationChannel): string {
  if (channel.name !== undefined) return `name:${channel.name}`;
  const kind = "slack" in channel ? "slack" : "webhook";
  return `${kind}:${createHash("sha256")
    .update(`${kind}\n${channelUrl(channel)}`)
    .digest("hex")
    .slice(0, 20)}`;
}

/** How a channel is named in results: its name, or its kind and masked URL. */
export function channelLabel(channel: NotificationChannel): string {
  if (channel.name !== undefined) return channel.name;
  return "slack" in channel ? `slack ${maskUrl(channel.slack)}` : `webhook ${maskUrl(channel.webhook)}`;
}

export function wants(channel: NotificationChannel, about: NotificationAbout): boolean {
  return channel.on === undefined || channel.on.includes(about);
}

/**
 * The Standard Webhooks `webhook-id` of one message to one channel: derived from its subject
 * (the rollback, or the alert decision of a message without one), the event and the channel, so queueing it again (a resume) adds nothing, and every attempt,
 * by any process, carries the same id. No "." (the id is part of the signed content).
 */
export function messageId(subject: string, about: string, key: string): string {
  const h = createHash("sha256").update(`${subject}\n${about}\n${key}`).digest("hex");
  return `msg_${h.slice(0, 32)}`;
}
