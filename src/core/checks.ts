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
  /** One outbox message per channel that wants this one; ids are stable per rollback, event and channel. */
  compose(message: NotificationMessage): OutboxMessage[];
  /** Called once a rollback's messages are durable: start delivering (never awaited). */
  queued(rollbackId: string): void;
}
