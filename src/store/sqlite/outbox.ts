import type Database from "better-sqlite3";
import type { SerializedError } from "../../core/errors.js";
import type { OutboxMessage, OutboxQuery, OutboxRow, OutboxSettlement } from "../outbox.js";

interface Row {
  id: string;
  rollback_id: string | null;
  subject: string;
  channel: string;
  label: string;
  about: string;
  message: string;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  delivered_at: number | null;
  claimed_until: number | null;
  gave_up: number;
  last_error: string | null;
}

function toRow(r: Row): OutboxRow {
  const out: OutboxRow = {
    id: r.id,
    subject: r.subject,
    channel: r.channel,
    label: r.label,
    about: r.about,
    message: r.message,
    createdAt: r.created_at,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    gaveUp: r.gave_up === 1,
  };
  if (r.rollback_id !== null) out.rollbackId = r.rollback_id;
  if (r.delivered_at !== null) out.deliveredAt = r.delivered_at;
  if (r.claimed_until !== null) out.claimedUntil = r.claimed_until;
  if (r.last_error !== null) out.lastError = JSON.parse(r.last_error) as SerializedError;
  return out;
}

/** The outbox table's statements; the caller (SqliteStore) owns transactions and errors. */
export class SqliteOutbox {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      insert: db.prepare<[string, string | null, string, string, string, string, string, number, number]>(
        `INSERT INTO outbox (id, rollback_id, subject, channel, label, about, message, created_at, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      due: db.prepare<{ now: number; limit: number }, Row>(
        `SELECT * FROM outbox
         WHERE delivered_at IS NULL AND gave_up = 0 AND next_attempt_at <= @now
           AND (claimed_until IS NULL OR claimed_until <= @now)
         ORDER BY created_at, id LIMIT @limit`,
      ),
      claim: db.prepare<[number, string]>("UPDATE outbox SET claimed_until = ? WHERE id = ?"),
      delivered: db.prepare<[number, string]>(
        `UPDATE outbox SET attempts = attempts + 1, delivered_at = ?, claimed_until = NULL, last_error = NULL
         WHERE id = ?`,
      ),
      failed: db.prepare<[number, number, string, string]>(
        `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, gave_up = ?, claimed_until = NULL,
           last_error = ? WHERE id = ? AND delivered_at IS NULL`,
      ),
      list: db.prepare<
        {
          rollback: string | null;
          subject: string | null;
          pending: number;
          undelivered: number;
          limit: number;
        },
        Row
      >(
        `SELECT * FROM outbox
         WHERE (@rollback IS NULL OR rollback_id = @rollback) AND (@subject IS NULL OR subject = @subject)
           AND (@pending = 0 OR (delivered_at IS NULL AND gave_up = 0))
           AND (@undelivered = 0 OR delivered_at IS NULL)
         ORDER BY created_at, id LIMIT @limit`,
      ),
    };
  }

  insert(messages: readonly OutboxMessage[]): void {
    for (const m of messages) {
      this.s.insert.run(
        m.id,
        m.rollbackId ?? null,
        m.subject,
        m.channel,
        m.label,
        m.about,
        m.message,
        m.createdAt,
        m.createdAt,
      );
    }
  }

  claim(now: number, claimMs: number, limit: number): OutboxRow[] {
    const rows = this.s.due.all({ now, limit });
    for (const r of rows) this.s.claim.run(now + claimMs, r.id);
    return rows.map(toRow);
  }

  settle(id: string, o: OutboxSettlement): void {
    if (o.delivered) {
      this.s.delivered.run(o.at, id);
      return;
    }
    const giveUp = o.retryAt === undefined;
    this.s.failed.run(o.retryAt ?? o.at, giveUp ? 1 : 0, JSON.stringify(o.error), id);
  }

  list(options: OutboxQuery): OutboxRow[] {
    return this.s.list
      .all({
        rollback: options.rollbackId ?? null,
        subject: options.subject ?? null,
        pending: options.pending ? 1 : 0,
        undelivered: options.undelivered ? 1 : 0,
        limit: options.limit ?? -1,
      })
      .map(toRow);
  }
}
