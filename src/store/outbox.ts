import type { SerializedError } from "../core/errors.js";

/**
 * The notification outbox: messages waiting to be delivered, kept in the store so a crash or
 * a hung receiver loses none. Delivery is at-least-once: a message keeps its id (the
 * Standard Webhooks `webhook-id`) on every attempt, by any process.
 */
export interface OutboxMessage {
  /** The webhook-id: derived from subject, event and channel, so enqueueing twice is a no-op. */
  id: string;
  /**
   * What the message is about: its rollback's id, or for a message with no rollback (a
   * suppressed automatic rollback) "alert:<dedupe key>:<decided at>".
   */
  subject: string;
  /** The rollback whose journal records each attempt; none: the row alone records them. */
  rollbackId?: string;
  /** The channel's key in backout.yaml (its name, or a hash of its URL): no URL is stored. */
  channel: string;
  /** How results name the channel (masked). */
  label: string;
  about: string;
  /** The message as JSON (already redacted). */
  message: string;
  createdAt: number;
}

export interface OutboxRow extends OutboxMessage {
  attempts: number;
  nextAttemptAt: number;
  deliveredAt?: number;
  /** A live attempt (this process's or another's) holds it until then. */
  claimedUntil?: number;
  /** No further attempt will be made (refused by the receiver, or too old). */
  gaveUp: boolean;
  lastError?: SerializedError;
}

export type OutboxSettlement =
  | { delivered: true; at: number }
  /** `retryAt` undefined: give up. */
  | { delivered: false; at: number; error: SerializedError; retryAt?: number };

export interface OutboxQuery {
  rollbackId?: string;
  subject?: string;
  /** Only those not delivered that will still be tried. */
  pending?: boolean;
  /** Only those not delivered (still tried, or given up). */
  undelivered?: boolean;
  limit?: number;
}

export interface OutboxStore {
  /**
   * Takes up to `limit` due messages (not delivered, not given up, not claimed by a live
   * attempt) and claims them until `now + claimMs`, so two processes rarely send one at once.
   */
  claimOutbox(now: number, claimMs: number, limit: number): Promise<OutboxRow[]>;
  settleOutbox(id: string, outcome: OutboxSettlement): Promise<void>;
  /** Oldest first. */
  listOutbox(options?: OutboxQuery): Promise<OutboxRow[]>;
}
