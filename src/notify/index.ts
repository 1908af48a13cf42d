/** Rollback notifications: Slack incoming webhooks and Standard Webhooks-signed webhooks. */
export { notify, sendTo, type NotifyOptions } from "./notify.js";
export { channelKey, channelLabel, messageId } from "./channels.js";
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
