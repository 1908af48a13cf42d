/** Polling for a condition, the only way tests wait: never sleep-and-hope. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface UntilOptions {
  /** Give up after this long (default 10 s): a generous bound, never waited out when all is well. */
  timeoutMs?: number;
  /** Pause between checks (default 20 ms). */
  everyMs?: number;
}

/**
 * Checks `check` until it holds, with short real pauses; fails naming `what` after the timeout.
 * The check may be async (a query, a journal read); an error it throws fails the wait at once.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: UntilOptions | number = {},
): Promise<void> {
  const { timeoutMs = 10_000, everyMs = 20 } = typeof options === "number" ? { timeoutMs: options } : options;
  const limit = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > limit) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Like until, for a value: resolves with the first result `get` returns that `ok` accepts. */
export async function untilValue<T>(
  what: string,
  get: () => T | Promise<T>,
  ok: (value: T) => boolean,
  options: UntilOptions | number = {},
): Promise<T> {
  let value: T | undefined;
  let seen = false;
  await until(
    what,
    async () => {
      value = await get();
      seen = true;
      return ok(value);
    },
    options,
  );
  if (!seen) throw new Error(`no value for ${what}`);
  return value as T;
}
