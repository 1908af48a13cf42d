import type { Redactor } from "../config/redactor.js";
import type { Clock } from "./clock.js";
import { afterJournalWrite, beforeJournalWrite } from "./failpoints.js";
import type { JournalEntry, JournalEventData } from "./journal-events.js";
import type { Fence, OutboxMessage, Store } from "../store/store.js";

export type JournalListener = (entry: JournalEntry) => void;

/** The notifications an event causes (written with it, in one transaction), and what to do once they are. */
export interface OutboxHook {
  compose: (event: JournalEventData, at: number) => OutboxMessage[];
  queued: () => void;
}

/**
 * The only way the engine writes to a journal: redacts secrets, fences the write with the
 * lock epoch, and tells listeners (progress renderers) once the event is durable.
 */
export class JournalWriter {
  private fence: Fence | undefined;
  private outbox: OutboxHook | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly redactor: Redactor,
    readonly rollbackId: string,
    private readonly listeners: JournalListener[] = [],
  ) {}

  setFence(fence: Fence | undefined): void {
    this.fence = fence;
  }

  setOutbox(hook: OutboxHook | undefined): void {
    this.outbox = hook;
  }

  async append(event: JournalEventData): Promise<JournalEntry> {
    const safe = this.redactor.redactValue(event);
    const now = this.clock.now();
    const messages = this.outbox?.compose(safe, now) ?? [];
    const n = beforeJournalWrite(event.type);
    const entry = await this.store.appendEvent(
      this.rollbackId,
      now,
      safe,
      this.fence,
      messages.length > 0 ? messages : undefined,
    );
    afterJournalWrite(n);
    if (messages.length > 0) this.outbox?.queued();
    for (const l of this.listeners) l(entry);
    return entry;
  }
}
