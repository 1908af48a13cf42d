/**
 * The `notifications:` section of the environment file: Slack incoming webhooks and generic
 * webhooks signed per the Standard Webhooks spec, each optionally limited to some events.
 */
import { z } from "zod";
import type { NotificationAbout } from "../core/checks.js";
import { decodeSecret } from "./sign.js";

export const NOTIFICATION_EVENTS = [
  "started",
  "awaiting-confirmation",
  "escalated",
  "succeeded",
  "failed",
  "timed-out",
] as const satisfies readonly NotificationAbout[];

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
  .array(z.enum(NOTIFICATION_EVENTS))
  .min(1)
  .optional()
  .describe(`Events that are sent to this channel (default: all of ${NOTIFICATION_EVENTS.join(", ")}).`);

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
  })
  .describe("A Slack incoming webhook: a short message with what happened and what to do next.");

export const webhookChannelSchema = z
  .strictObject({
    name,
    webhook: httpUrl.describe("URL that receives a signed JSON POST for each event."),
    secret: whsecSecret,
    on,
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
