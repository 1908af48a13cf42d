/**
 * Per-token request limit: a fixed window per caller. Past it, the request is refused with 429
 * and the seconds until the window ends; nothing else in the server slows down.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly requests: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** undefined when allowed; otherwise the milliseconds until the caller may try again. */
  take(key: string): number | undefined {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    w.count += 1;
    return w.count <= this.requests ? undefined : w.start + this.windowMs - t;
  }
}
