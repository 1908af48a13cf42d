/**
 * One reader of the store's journal feed for the whole server. It polls the store (the CLI and
 * other processes write there too), keeps the newest events in memory, and wakes the SSE
 * clients and metrics that wait for more. A client behind the kept window reads the store.
 */
import type { FeedEntry, Store } from "../store/store.js";

const KEEP = 5000;
const BATCH = 1000;
/**
 * The events this process writes within this long are read and sent together: one store read
 * and one write per SSE client instead of one per event (a rollback writes an event every few
 * ms; with 50 clients the per-event wake-ups were most of what the server added to it).
 */
const COALESCE_MS = 20;

export type FeedListener = (entries: readonly FeedEntry[]) => void;

export class FeedHub {
  private recent: FeedEntry[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private again = false;
  private waiters = new Set<() => void>();
  private listeners: FeedListener[] = [];

  constructor(
    private readonly store: Required<Pick<Store, "readFeed" | "feedHead">>,
    private readonly intervalMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Starts from the store's current head: events before it are read from the store on demand. */
  async start(): Promise<void> {
    this.head = await this.store.feedHead();
    this.timer = setInterval(this.pollNow, this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  get latest(): number {
    return this.head;
  }

  /** Called for every new event, in order (metrics). */
  subscribe(listener: FeedListener): void {
    this.listeners.push(listener);
  }

  /** Reads soon (an event was just written in this process) instead of at the next tick. */
  kick = (): void => {
    this.soon ??= setTimeout(() => {
      this.soon = undefined;
      this.pollNow();
    }, COALESCE_MS);
  };

  private pollNow = (): void => {
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = this.poll()
      .catch(this.onError)
      .finally(() => {
        this.polling = undefined;
        if (this.again) {
          this.again = false;
          this.pollNow();
        }
      });
  };

  private async poll(): Promise<void> {
    for (;;) {
      const rows = await this.store.readFeed(this.head, BATCH);
      if (rows.length === 0) return;
      this.head = rows[rows.length - 1]?.feedId ?? this.head;
      this.recent.push(...rows);
      if (this.recent.length > KEEP) this.recent = this.recent.slice(-KEEP);
      for (const l of this.listeners) l(rows);
      for (const w of this.waiters) w();
      this.waiters.clear();
      if (rows.length < BATCH) return;
    }
  }

  /** Events after `after`, oldest first, at most `limit`: from memory when it holds them, else the store. */
  async read(after: number, limit: number): Promise<FeedEntry[]> {
    if (after >= this.head) return [];
    const first = this.recent[0];
    if (first && first.feedId <= after + 1) {
      // Binary search for the first entry after `after`: every SSE client reads here on every
      // wake-up, and a scan from the start of the kept window made 50 clients cost O(window) each.
      let lo = 0;
      let hi = this.recent.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((this.recent[mid]?.feedId ?? Infinity) <= after) lo = mid + 1;
        else hi = mid;
      }
      return this.recent.slice(lo, lo + limit).filter((e) => e.feedId <= this.head);
    }
    const rows = await this.store.readFeed(after, limit);
    return rows.filter((r) => r.feedId <= this.head);
  }

  /** Resolves when new events arrive, or after `ms` (a keep-alive), or when the hub stops. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}
