import type { SerializedError } from "../core/errors.js";
import type { Store } from "../store/store.js";

/** A notification the outbox still holds: not delivered, still tried by the next command or given up. */
export interface UndeliveredNotification {
  /** Null for a message no rollback has (a suppressed automatic rollback): `subject` names it. */
  rollbackId: string | null;
  /** The rollback id, or "alert:<dedupe key>:<decided at>" for a suppressed automatic rollback. */
  subject: string;
  about: string;
  channel: string;
  webhookId: string;
  attempts: number;
  /** False: no further attempt will be made (refused by the receiver, channel removed, too old). */
  willRetry: boolean;
  lastError: SerializedError | null;
}

/** The newest 20 notifications not delivered, oldest first. */
export async function undeliveredNotifications(store: Store): Promise<UndeliveredNotification[]> {
  const rows = await store.listOutbox({ undelivered: true });
  return rows.slice(-20).map((r) => ({
    rollbackId: r.rollbackId ?? null,
    subject: r.subject,
    about: r.about,
    channel: r.label,
    webhookId: r.id,
    attempts: r.attempts,
    willRetry: !r.gaveUp,
    lastError: r.lastError ?? null,
  }));
}

export function undeliveredLines(list: readonly UndeliveredNotification[]): string[] {
  if (list.length === 0) return [];
  return [
    `notifications not delivered: ${list.length}`,
    ...list.map((n) => {
      const next = n.willRetry ? "retried by the next backout command" : "given up";
      const why = n.lastError ? `: ${n.lastError.message}` : "";
      return `  ${n.subject} "${n.about}" to ${n.channel} (${n.attempts} attempt(s), ${next})${why}`;
    }),
  ];
}
