import type { Redactor } from "../config/redactor.js";
import type { Clock } from "./clock.js";
import { afterJournalWrite, beforeJournalWrite } from "./failpoints.js";
import type { JournalEntry, JournalEventData } from "./journal-events.js";
import type { Fence, Store } from "../store/store.js";

export type JournalListener = (entry: JournalEntry) => void;

/**
 * The only way the engine writes to a journal: redacts secrets, fences the write with the
 * lock epoch, and tells listeners (progress renderers) once the event is durable.
 */
export class JournalWriter {
  private fence: Fence | undefined;

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

  async append(event: JournalEventData): Promise<JournalEntry> {
    const safe = this.redactor.redactValue(event);
    const n = beforeJournalWrite();
    const entry = await this.store.appendEvent(this.rollbackId, this.clock.now(), safe, this.fence);
    afterJournalWrite(n);
    for (const l of this.listeners) l(entry);
    return entry;
  }
}
