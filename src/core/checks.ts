import type { CheckResult, RollbackState } from "./model.js";
import type { SerializedError } from "./errors.js";
import type { OutboxMessage } from "../store/outbox.js";

/**
 * Health, metric and command checks as the engine sees them: an opaque definition validated by
 * the config schema, and a runner the composition root injects (src/validate implements it), so
 * the engine depends on no concrete check.
 */
export type CheckDefinition = Readonly<Record<string, unknown>>;

export interface CheckRunOptions {
  signal?: AbortSignal;
  redact: (text: string) => string;
  env: Record<string, string | undefined>;
  cwd: string;
  component?: string;
  /** Retries when the check sets none (the monitor passes 0; the runner's default otherwise). */
  defaultRetries?: number;
}

export type CheckRunner = (check: CheckDefinition, options: CheckRunOptions) => Promise<CheckResult>;

/**
 * What a notification is about. One spelling everywhere: `on:` in backout.yaml, the payload's
 * `type` (`rollback.<about>`) and `data.about`, the journal and the reports; the first six are
 * also the rollback states of the same name.
 */
export type NotificationAbout =
  | "started"
  | "awaiting-confirmation"
  | "escalated"
  | "succeeded"
  | "failed"
  | "timed-out"
  | "monitor-blind"
  | "auto-rollback-suppressed";

export interface NotificationMessage {
  about: NotificationAbout;
  rollbackId: string;
  environment: string;
  state: RollbackState;
  summary: string;
  planHash: string;
  /** A browser link for the next action (the approval page, from serve.publicUrl). */
  link?: string;
  /** When the event happened (ms since the epoch): the same in every attempt's payload. */
  at: number;
}

export interface NotificationResult {
  channel: string;
  ok: boolean;
  error?: SerializedError;
}

/**
 * The notification outbox as the engine sees it: messages become outbox rows written with the
 * journal event that causes them, and are delivered in the background, never on the critical path.
 */
export interface NotificationOutbox {
  /**
   * One outbox message per channel that wants this one; ids are stable per rollback, event and
   * channel. `subject`: a message that belongs to no rollback (a suppressed automatic rollback);
   * its rows name no rollback, their ids are stable per subject, event and channel, and each
   * attempt is recorded on the row (and reported to onAttempt) instead of in a journal.
   */
  compose(message: NotificationMessage, subject?: string): OutboxMessage[];
  /** Called once messages are durable: start delivering (never awaited). No id: none of them has a rollback. */
  queued(rollbackId?: string): void;
  /** Told of every delivery attempt's outcome (`backout serve` logs them). */
  onAttempt(listener: (attempt: DeliveryAttempt) => void): void;
}

/** One delivery attempt of one outbox message, as the outbox reports it. */
export interface DeliveryAttempt {
  webhookId: string;
  subject: string;
  rollbackId?: string;
  about: string;
  /** The channel's label (masked). */
  channel: string;
  attempt: number;
  ok: boolean;
  /** Not delivered yet, and tried again later. */
  retrying: boolean;
  error?: SerializedError;
}
