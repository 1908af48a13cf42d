import type { CheckResult, RollbackState } from "./model.js";
import type { SerializedError } from "./errors.js";

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
}

export type CheckRunner = (check: CheckDefinition, options: CheckRunOptions) => Promise<CheckResult>;

export type NotificationAbout =
  "started" | "awaiting-confirmation" | "escalated" | "succeeded" | "failed" | "timed-out";

export interface NotificationMessage {
  about: NotificationAbout;
  rollbackId: string;
  environment: string;
  state: RollbackState;
  summary: string;
  planHash: string;
}

export interface NotificationResult {
  channel: string;
  ok: boolean;
  error?: SerializedError;
}

/** Sends one message to every configured channel; never throws. */
export type Notifier = (message: NotificationMessage) => Promise<NotificationResult[]>;
