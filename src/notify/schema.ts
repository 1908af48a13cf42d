/**
 * The `notifications:` section of the environment file: Slack incoming webhooks and generic
 * webhooks signed per the Standard Webhooks spec, each optionally limited to some events.
 */
import * as z from "zod";
import { duration } from "../config/schema-parts.js";
import type { NotificationAbout } from "../core/checks.js";
import { decodeSecret } from "./sign.js";

export const NOTIFICATION_EVENTS = [
  "started",
  "awaiting-confirmation",
  "escalated",
  "succeeded",
  "failed",
  "timed-out",
  "monitor-blind",
  "auto-rollback-suppressed",
] as const satisfies readonly NotificationAbout[];

/**
 * One spelling: the rollback states' (`timed-out`). The payload's `type` is `rollback.` plus
 * the same word. Earlier versions sent `rollback.timed_out`, so `on:` also accepts the
 * underscore spelling and the full type (`rollback.timed_out`, `rollback.timed-out`), mapped
 * to this one.
 */
export function canonicalEvent(value: unknown): unknown {
  if (typeof value !== "string") return value;
  return value.replace(/^rollback\./, "").replace(/_/g, "-");
}

const httpUrl = z.url({
  protocol: /^https?$/,
  error: "expected an http(s) URL, for example https://hooks.slack.com/services/T000/B000/XXXX",
});

const name = z
  .string()
  .min(1)
  .max(60)
  .optional()
  .describe("Label used in results, the journal and reports (default: the kind and the URL's host).");

const on = z
  .array(z.preprocess(canonicalEvent, z.enum(NOTIFICATION_EVENTS)))
  .min(1)
  .optional()
  .describe(
    `Events that are sent to this channel (default: all of ${NOTIFICATION_EVENTS.join(", ")}); the payload type is rollback.<event>.`,
  );

const timeout = duration({ allowZero: false })
  .prefault("5s")
  .describe("Time for one delivery attempt to this channel (its retry included). Default 5s.");

const whsecSecret = z
  .string()
  .refine((s) => decodeSecret(s) !== undefined, {
    message:
      "expected whsec_ followed by the base64 of 24 to 64 random bytes (generate one with `openssl rand -base64 32` and prefix it with whsec_)",
  })
  .describe(
    "Standard Webhooks signing secret `whsec_<base64>`; usually `${ENV_VAR}` so it is not in the file.",
  );

export const slackChannelSchema = z
  .strictObject({
    name,
    slack: httpUrl.describe(
      "Slack incoming webhook URL; it is a secret itself (usually `${SLACK_WEBHOOK_URL}`).",
    ),
    on,
    timeout,
  })
  .describe("A Slack incoming webhook: a short message with what happened and what to do next.");

export const webhookChannelSchema = z
  .strictObject({
    name,
    webhook: httpUrl.describe("URL that receives a signed JSON POST for each event."),
    secret: whsecSecret,
    on,
    timeout,
  })
  .describe("A generic webhook, signed per the Standard Webhooks spec (webhook-id/timestamp/signature).");

export const notificationChannelSchema = z.union([slackChannelSchema, webhookChannelSchema]);

export const notificationsSchema = z
  .array(notificationChannelSchema)
  .superRefine((channels, ctx) => {
    const seen = new Set<string>();
    channels.forEach((c, i) => {
      if (c.name === undefined) return;
      if (seen.has(c.name)) {
        ctx.addIssue({
          code: "custom",
          path: [i, "name"],
          message: `duplicate channel name "${c.name}": names identify channels in the journal, make them unique`,
        });
      }
      seen.add(c.name);
    });
  })
  .describe("Where rollback events are announced: Slack incoming webhooks and signed webhooks.");

export type SlackChannel = z.output<typeof slackChannelSchema>;
export type WebhookChannel = z.output<typeof webhookChannelSchema>;
export type NotificationChannel = z.output<typeof notificationChannelSchema>;

/** `policies.notifications`: how the outbox is delivered. */
export const notificationDeliverySchema = z
  .strictObject({
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe("Deliveries in flight at once (1..64). Default 4."),
    flush: duration({ allowZero: true })
      .prefault("10s")
      .describe(
        "After a rollback's result is final, how long backout keeps delivering what is left before it exits. Default 10s.",
      ),
    giveUpAfter: duration({ allowZero: false })
      .prefault("24h")
      .describe("A message not delivered this long after its event is given up (journalled). Default 24h."),
  })
  .describe("Delivery of notifications: in the background, never on the rollback's critical path.");

export type NotificationDelivery = z.output<typeof notificationDeliverySchema>;
