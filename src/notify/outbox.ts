/**
 * The engine's NotificationOutbox over backout.yaml's channels: a message becomes one outbox
 * row per channel that wants it (no URL or secret in the row), delivered by OutboxDelivery.
 */
import type { NotificationMessage, NotificationOutbox } from "../core/checks.js";
import type { OutboxMessage } from "../store/store.js";
import { channelKey, channelLabel, channelUrl, messageId, wants } from "./channels.js";
import { scrub, secretsOf } from "./mask.js";
import type { OutboxDelivery } from "./deliver.js";
import type { NotificationChannel } from "./schema.js";

export function channelOutbox(
  channels: readonly NotificationChannel[],
  redact: (text: string) => string,
  delivery: OutboxDelivery,
): NotificationOutbox {
  return {
    compose(m: NotificationMessage, subject?: string): OutboxMessage[] {
      return channels
        .filter((c) => wants(c, m.about))
        .map((c) => {
          const key = channelKey(c);
          const secrets = secretsOf(channelUrl(c), "secret" in c ? c.secret : undefined);
          return {
            id: messageId(subject ?? m.rollbackId, m.about, key),
            subject: subject ?? m.rollbackId,
            ...(subject === undefined ? { rollbackId: m.rollbackId } : {}),
            channel: key,
            label: scrub(channelLabel(c), secrets, redact),
            about: m.about,
            message: JSON.stringify({ ...m, summary: scrub(m.summary, secrets, redact) }),
            createdAt: m.at,
          };
        });
    },
    queued: (rollbackId) => delivery.queued(rollbackId),
    onAttempt: (listener) => delivery.onAttempt(listener),
  };
}
