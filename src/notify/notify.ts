/**
 * Sends one rollback event to every channel that wants it, in parallel. Never throws: a
 * notification must not change how a rollback goes; its results are journalled instead.
 */
import { systemClock, type Clock } from "../core/clock.js";
import type { NotificationResult } from "../core/checks.js";
import type { ErrorCode, SerializedError } from "../core/errors.js";
import { maskUrl, scrub, secretsOf } from "./mask.js";
import { slackPayload, webhookPayload, type NotifyMessage } from "./message.js";
import { postWithRetry, type PostOutcome, type PostRequest } from "./post.js";
import type { NotificationChannel } from "./schema.js";
import { decodeSecret, newMessageId, signedHeaders } from "./sign.js";

export interface NotifyOptions {
  /** The process-wide redactor: nothing leaves here without passing through it. */
  redact: (text: string) => string;
  /** Budget per channel, both attempts included; notify resolves within about this long. */
  timeoutMs: number;
  /** Webhook timestamps and the pause before the retry (a manual clock must be advanced). */
  clock?: Clock;
  fetch?: typeof fetch;
  /** Pause before the one retry; default 250 ms. */
  retryDelayMs?: number;
}

// ErrorCode has no notification code yet; the integrator may add "NOTIFICATION_FAILED".
const FAILED: ErrorCode = "COMMAND_FAILED";
const TIMED_OUT: ErrorCode = "COMMAND_TIMEOUT";

export async function notify(
  channels: readonly NotificationChannel[],
  message: NotifyMessage,
  opts: NotifyOptions,
): Promise<NotificationResult[]> {
  const wanted = channels.filter((c) => c.on === undefined || c.on.includes(message.about));
  return Promise.all(wanted.map((c) => sendTo(c, message, opts)));
}

/** How a channel is named in results: its name, or its kind and masked URL. */
export function channelLabel(channel: NotificationChannel): string {
  if (channel.name !== undefined) return channel.name;
  return "slack" in channel ? `slack ${maskUrl(channel.slack)}` : `webhook ${maskUrl(channel.webhook)}`;
}

async function sendTo(
  channel: NotificationChannel,
  message: NotifyMessage,
  opts: NotifyOptions,
): Promise<NotificationResult> {
  const url = "slack" in channel ? channel.slack : channel.webhook;
  const secrets = secretsOf(url, "secret" in channel ? channel.secret : undefined);
  const clean = (text: string) => scrub(text, secrets, opts.redact);
  const label = clean(channelLabel(channel));
  const target = maskUrl(url);
  try {
    const safe = redactMessage(message, clean);
    const clock = opts.clock ?? systemClock;
    const request = "slack" in channel ? slackRequest(url, safe) : webhookRequest(channel, safe, clock);
    const outcome = await postWithRetry(request, {
      fetch: opts.fetch ?? globalThis.fetch,
      clock,
      timeoutMs: opts.timeoutMs,
      retryDelayMs: opts.retryDelayMs ?? 250,
      target,
    });
    if (outcome.ok) return { channel: label, ok: true };
    return {
      channel: label,
      ok: false,
      error: cleanError(failedError(label, target, "secret" in channel, outcome), clean),
    };
  } catch (e) {
    // A bug or a bad channel (e.g. a secret that slipped past the schema) still must not throw.
    const text = e instanceof Error ? e.message : String(e);
    const error: SerializedError = {
      code: FAILED,
      message: `notification to ${label} not sent: ${text}`,
      retryable: false,
      hint: "Check the channel in the notifications section of the environment file.",
    };
    return { channel: label, ok: false, error: cleanError(error, clean) };
  }
}

function slackRequest(url: string, message: NotifyMessage): PostRequest {
  return { url, body: JSON.stringify(slackPayload(message)), headers: () => ({}) };
}

function webhookRequest(
  channel: Extract<NotificationChannel, { webhook: string }>,
  message: NotifyMessage,
  clock: Clock,
): PostRequest {
  const key = decodeSecret(channel.secret);
  if (key === undefined) throw new Error("the signing secret is not whsec_<base64 of 24..64 bytes>");
  const body = JSON.stringify(webhookPayload(message, clock.now()));
  // Same id on the retry (receivers use it to deduplicate), fresh timestamp per attempt (the spec).
  const id = newMessageId();
  return {
    url: channel.webhook,
    body,
    headers: () => ({ ...signedHeaders(key, id, Math.floor(clock.now() / 1000), body) }),
  };
}

function failedError(
  label: string,
  target: string,
  signed: boolean,
  outcome: Extract<PostOutcome, { ok: false }>,
): SerializedError {
  const tries = outcome.attempts === 1 ? "1 attempt" : `${outcome.attempts} attempts`;
  const hint =
    outcome.status !== undefined && outcome.status < 500
      ? `The receiver refused the message (HTTP ${outcome.status}); check the URL${signed ? " and the secret" : ""} configured for ${target}. The rollback itself is not affected.`
      : `Check that ${target} is up and reachable from this host. The rollback itself is not affected.`;
  return {
    code: outcome.timedOut ? TIMED_OUT : FAILED,
    message: `notification to ${label} failed after ${tries}: ${outcome.reason}`,
    retryable: outcome.status === undefined || outcome.status >= 500,
    hint,
    details: {
      attempts: outcome.attempts,
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
    },
  };
}

function cleanError(error: SerializedError, clean: (t: string) => string): SerializedError {
  return { ...error, message: clean(error.message), ...(error.hint ? { hint: clean(error.hint) } : {}) };
}

function redactMessage(m: NotifyMessage, clean: (t: string) => string): NotifyMessage {
  const out: NotifyMessage = { ...m, summary: clean(m.summary) };
  if (m.reportHint !== undefined) out.reportHint = clean(m.reportHint);
  return out;
}
