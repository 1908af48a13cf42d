/** Rollback notifications: Slack incoming webhooks and Standard Webhooks-signed webhooks. */
export { notify, channelLabel, type NotifyOptions } from "./notify.js";
export {
  notificationsSchema,
  notificationChannelSchema,
  NOTIFICATION_EVENTS,
  type NotificationChannel,
  type SlackChannel,
  type WebhookChannel,
} from "./schema.js";
export { messageParts, plainText, slackPayload, webhookPayload, type NotifyMessage } from "./message.js";
export { decodeSecret, signMessage } from "./sign.js";
export { maskUrl } from "./mask.js";
