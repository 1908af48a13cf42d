/**
 * Sends rollback events to channels. Never throws: a notification must not change how a
 * rollback goes; the outbox (deliver.ts) decides what to do with each result.
 */
import { systemClock, type Clock } from "../core/clock.js";
import type { NotificationResult } from "../core/checks.js";
import type { ErrorCode, SerializedError } from "../core/errors.js";
import { channelLabel, channelUrl, wants } from "./channels.js";
import { maskUrl, scrub, secretsOf } from "./mask.js";
import { slackPayload, webhookPayload, type NotifyMessage } from "./message.js";
import { postWithRetry, type PostOutcome, type PostRequest } from "./post.js";
import type { NotificationChannel } from "./schema.js";
import { decodeSecret, newMessageId, signedHeaders } from "./sign.js";

export interface NotifyOptions {
  /** The process-wide redactor: nothing leaves here without passing through it. */
  redact: (text: string) => string;
  /** Budget per channel, both attempts included; default: the channel's `timeout`. */
  timeoutMs?: number;
  /** Webhook timestamps, the pause before the retry and the budget (a manual clock must be advanced). */
  clock?: Clock;
  fetch?: typeof fetch;
  /** Pause before the one retry; default 250 ms. */
  retryDelayMs?: number;
  /** Aborts the attempt (backout is exiting); the message stays in the outbox. */
  signal?: AbortSignal;
}

// ErrorCode has no notification code yet; the integrator may add "NOTIFICATION_FAILED".
const FAILED: ErrorCode = "COMMAND_FAILED";
const TIMED_OUT: ErrorCode = "COMMAND_TIMEOUT";

/** Sends one message to every channel that wants it, in parallel, each with a fresh id. */
export async function notify(
  channels: readonly NotificationChannel[],
  message: NotifyMessage,
  opts: NotifyOptions,
): Promise<NotificationResult[]> {
  const wanted = channels.filter((c) => wants(c, message.about));
  const sent = await Promise.all(wanted.map((c) => sendTo(c, message, newMessageId(), opts)));
  return sent.map(({ final: _final, ...result }) => result);
}

export { channelLabel };

export interface SendResult extends NotificationResult {
  /** The receiver answered for good (a 4xx): trying again cannot help. */
  final: boolean;
}

/** One delivery attempt (with its one quick retry) of one message to one channel, under `id`. */
export async function sendTo(
  channel: NotificationChannel,
  message: NotifyMessage,
  id: string,
  opts: NotifyOptions,
): Promise<SendResult> {
  const url = channelUrl(channel);
  const secrets = secretsOf(url, "secret" in channel ? channel.secret : undefined);
  const clean = (text: string) => scrub(text, secrets, opts.redact);
  const label = clean(channelLabel(channel));
  const target = maskUrl(url);
  const timeoutMs = opts.timeoutMs ?? channel.timeout;
  try {
    const safe = redactMessage(message, clean);
    const clock = opts.clock ?? systemClock;
    const request = "slack" in channel ? slackRequest(url, safe) : webhookRequest(channel, safe, id, clock);
    const outcome = await postWithRetry(request, {
      fetch: opts.fetch ?? globalThis.fetch,
      clock,
      timeoutMs,
      retryDelayMs: opts.retryDelayMs ?? 250,
      target,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (outcome.ok) return { channel: label, ok: true, final: true };
    const error = cleanError(failedError(label, target, "secret" in channel, outcome), clean);
    return { channel: label, ok: false, error, final: !error.retryable };
  } catch (e) {
    // A bug or a bad channel (e.g. a secret that slipped past the schema) still must not throw.
    const text = e instanceof Error ? e.message : String(e);
    const error: SerializedError = {
      code: FAILED,
      message: `notification to ${label} not sent: ${text}`,
      retryable: false,
      hint: "Check the channel in the notifications section of the environment file.",
    };
    return { channel: label, ok: false, error: cleanError(error, clean), final: true };
  }
}

function slackRequest(url: string, message: NotifyMessage): PostRequest {
  return { url, body: JSON.stringify(slackPayload(message)), headers: () => ({}) };
}

function webhookRequest(
  channel: Extract<NotificationChannel, { webhook: string }>,
  message: NotifyMessage,
  id: string,
  clock: Clock,
): PostRequest {
  const key = decodeSecret(channel.secret);
  if (key === undefined) throw new Error("the signing secret is not whsec_<base64 of 24..64 bytes>");
  const body = JSON.stringify(webhookPayload(message));
  // Same id on every attempt (receivers use it to deduplicate), fresh timestamp per attempt (the spec).
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
