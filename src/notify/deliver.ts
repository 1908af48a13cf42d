/**
 * Delivers the notification outbox in the background: bounded concurrency, a timeout per
 * channel, retries with backoff, at-least-once with one `webhook-id` per message. Nothing here
 * is awaited by a rollback's steps; `finish` is called once the command's work (the rollback's
 * result) is final and bounds how long delivery may still hold the process.
 */
import type { Redactor } from "../config/redactor.js";
import type { NotificationDeliveryPolicy } from "../config/types.js";
import type { DeliveryAttempt } from "../core/checks.js";
import type { Clock } from "../core/clock.js";
import type { SerializedError } from "../core/errors.js";
import type { JournalEventData } from "../core/journal-events.js";
import type { OutboxRow, Store } from "../store/store.js";
import { channelKey } from "./channels.js";
import type { NotifyMessage } from "./message.js";
import { sendTo } from "./notify.js";
import type { NotificationChannel } from "./schema.js";

export interface DeliveryDeps {
  store: Store;
  channels: readonly NotificationChannel[];
  redactor: Redactor;
  clock: Clock;
  policy: NotificationDeliveryPolicy;
  fetch?: typeof fetch;
}

export const DEFAULT_DELIVERY: NotificationDeliveryPolicy = {
  concurrency: 4,
  flushMs: 10_000,
  giveUpAfterMs: 24 * 3_600_000,
};

const NOT_SENT = "COMMAND_FAILED" as const;

/** Pause before the n-th retry: 1 s, 2 s, 4 s ... at most a minute. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.max(0, attempts - 1));
}

export class OutboxDelivery {
  private readonly stopped = new AbortController();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly byKey: Map<string, NotificationChannel>;
  private readonly claimMs: number;
  private pass: Promise<void> | undefined;
  private again = false;
  private retryTimer: AbortController | undefined;
  private retries = true;
  /** Rollbacks whose messages this process queued: it journals what is left of them at the end. */
  private readonly queuedFor = new Set<string>();
  private readonly listeners: ((attempt: DeliveryAttempt) => void)[] = [];

  constructor(private readonly deps: DeliveryDeps) {
    this.byKey = new Map(deps.channels.map((c) => [channelKey(c), c]));
    // A claim outlives the longest attempt, so a crashed process's messages are taken up again soon.
    const longest = Math.max(5_000, ...deps.channels.map((c) => c.timeout));
    this.claimMs = longest + 5_000;
  }

  /** Messages were queued (a rollback's, or with no id ones that have none): deliver them now. */
  queued(rollbackId?: string): void {
    if (rollbackId !== undefined) this.queuedFor.add(rollbackId);
    this.kick();
  }

  /** Told of each attempt's outcome; a listener that throws is ignored. */
  onAttempt(listener: (attempt: DeliveryAttempt) => void): void {
    this.listeners.push(listener);
  }

  /** Delivers whatever is due (also what earlier processes left behind). Never throws, never awaited. */
  kick(): void {
    if (this.stopped.signal.aborted) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.deliverDue().finally(() => {
      this.pass = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.scheduleRetry();
    });
  }

  /**
   * Keeps delivering for at most `policy.flushMs` (retries included when this process queued
   * messages; otherwise only the attempts already under way), then stops, and journals every
   * message of this process's rollbacks still undelivered. Returns those.
   */
  async finish(): Promise<OutboxRow[]> {
    const { clock, store } = this.deps;
    const deadline = clock.now() + this.deps.policy.flushMs;
    if (this.queuedFor.size === 0) this.retries = false;
    const wait = new AbortController();
    try {
      for (;;) {
        const left = deadline - clock.now();
        if (left <= 0) break;
        if (this.pass) {
          await Promise.race([this.pass, clock.sleep(left, wait.signal)]);
          continue;
        }
        if (!this.retries) break;
        const next = await this.nextRetryAt();
        if (next === undefined || next >= deadline) break;
        await clock.sleep(Math.max(0, next - clock.now()), wait.signal);
        this.kick();
      }
    } catch {
      // The store failed: what is left stays in the outbox for the next process.
    } finally {
      wait.abort();
    }
    this.stopped.abort();
    this.retryTimer?.abort();
    await this.pass;
    try {
      const left = (await store.listOutbox({ pending: true })).filter(
        (r) => r.rollbackId !== undefined && this.queuedFor.has(r.rollbackId),
      );
      for (const row of left) await this.journal(row, false, leftBehind(row), true, row.attempts);
      return left;
    } catch {
      return [];
    }
  }

  private async deliverDue(): Promise<void> {
    const { store, clock, policy } = this.deps;
    try {
      for (;;) {
        if (this.stopped.signal.aborted) break;
        const free = policy.concurrency - this.inflight.size;
        const rows = free > 0 ? await store.claimOutbox(clock.now(), this.claimMs, free) : [];
        for (const row of rows) {
          const p = this.deliver(row).finally(() => this.inflight.delete(row.id));
          this.inflight.set(row.id, p);
        }
        if (this.inflight.size === 0) break;
        await Promise.race(this.inflight.values());
      }
    } catch {
      // The store failed (disk full, closed): the rows stay claimed until their claim expires.
    }
    await Promise.allSettled(this.inflight.values());
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const { store, clock, policy } = this.deps;
    const channel = this.byKey.get(row.channel);
    if (!channel) {
      const error = giveUp(`channel ${row.label} is no longer in the notifications of backout.yaml`);
      await store.settleOutbox(row.id, { delivered: false, at: clock.now(), error });
      await this.attempted(row, false, error, false);
      return;
    }
    const message = JSON.parse(row.message) as NotifyMessage;
    const result = await sendTo(
      channel,
      row.rollbackId === undefined ? message : { ...message, reportHint: `backout report ${row.rollbackId}` },
      row.id,
      {
        redact: (t) => this.deps.redactor.redact(t),
        clock,
        signal: this.stopped.signal,
        ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}),
      },
    );
    const now = clock.now();
    if (result.ok) {
      await store.settleOutbox(row.id, { delivered: true, at: now });
      await this.attempted(row, true, undefined, false);
      return;
    }
    const error = result.error ?? notYet();
    if (this.stopped.signal.aborted) {
      // backout is exiting: not an answer from the receiver; the next process tries again.
      await store.settleOutbox(row.id, { delivered: false, at: now, error: notYet(), retryAt: now });
      return;
    }
    const expired = now - message.at >= policy.giveUpAfterMs;
    const retry = !result.final && !expired;
    await store.settleOutbox(row.id, {
      delivered: false,
      at: now,
      error,
      ...(retry ? { retryAt: now + retryDelayMs(row.attempts + 1) } : {}),
    });
    await this.attempted(row, false, error, retry);
  }

  /** A message another process is sending is due again only when that claim lapses. */
  private async nextRetryAt(): Promise<number | undefined> {
    const pending = await this.deps.store.listOutbox({ pending: true });
    const due = pending.map((r) => Math.max(r.nextAttemptAt, r.claimedUntil ?? 0));
    return due.length === 0 ? undefined : Math.min(...due);
  }

  /** While the process lives, a failed message is tried again when its backoff ends. */
  private scheduleRetry(): void {
    if (!this.retries || this.stopped.signal.aborted) return;
    this.retryTimer?.abort();
    const timer = new AbortController();
    this.retryTimer = timer;
    void (async () => {
      try {
        const next = await this.nextRetryAt();
        if (next === undefined || timer.signal.aborted) return;
        await this.deps.clock.sleep(Math.max(0, next - this.deps.clock.now()), timer.signal);
        if (!timer.signal.aborted) this.kick();
      } catch {
        // The store is gone (closed): nothing more to deliver from this process.
      }
    })();
  }

  /** One attempt's outcome: to the listeners, and to the journal of the message's rollback if it has one. */
  private async attempted(
    row: OutboxRow,
    ok: boolean,
    error: SerializedError | undefined,
    retrying: boolean,
  ): Promise<void> {
    const attempt = row.attempts + 1;
    const report: DeliveryAttempt = {
      webhookId: row.id,
      subject: row.subject,
      ...(row.rollbackId !== undefined ? { rollbackId: row.rollbackId } : {}),
      about: row.about,
      channel: row.label,
      attempt,
      ok,
      retrying,
      ...(error ? { error } : {}),
    };
    for (const listener of this.listeners) {
      try {
        listener(this.deps.redactor.redactValue(report));
      } catch {
        // A listener (a logger) must not stop delivery.
      }
    }
    await this.journal(row, ok, error, retrying, attempt);
  }

  /**
   * Journals the result in the message's rollback; unfenced: it may come after the rollback
   * ended. A message with no rollback has no journal: its row records its attempts.
   */
  private async journal(
    row: OutboxRow,
    ok: boolean,
    error: SerializedError | undefined,
    pending: boolean,
    attempt: number,
  ): Promise<void> {
    const event: JournalEventData = {
      type: "notification",
      channel: row.label,
      about: row.about,
      ok,
      ...(error ? { error } : {}),
      webhookId: row.id,
      attempt,
      ...(pending ? { pending: true } : {}),
    };
    if (row.rollbackId === undefined) return;
    try {
      const safe = this.deps.redactor.redactValue(event);
      await this.deps.store.appendEvent(row.rollbackId, this.deps.clock.now(), safe);
    } catch {
      // The rollback was deleted, or the store failed: the outbox row still says what happened.
    }
  }
}

function notYet(): SerializedError {
  return {
    code: NOT_SENT,
    message: "not delivered before backout exited",
    retryable: true,
    hint: "It stays in the outbox: the next backout command for this environment that is not read-only (not status, history, show, report, plan or checkpoints) delivers it with the same webhook-id.",
  };
}

/** What the journal says about a message still in the outbox when its process exits. */
function leftBehind(row: OutboxRow): SerializedError {
  const tries = row.attempts === 1 ? "1 attempt" : `${row.attempts} attempts`;
  const last =
    row.lastError && row.lastError.message !== notYet().message ? `: ${row.lastError.message}` : "";
  return {
    ...notYet(),
    message: `not delivered when backout exited (${tries})${last}`,
  };
}

function giveUp(message: string): SerializedError {
  return { code: NOT_SENT, message, retryable: false };
}
