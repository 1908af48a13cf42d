/**
 * One computation shared by the callers that ask within `maxAgeMs` of each other. GET /status
 * reads every open rollback's stored plan; at 20 requests a second during a 200-step rollback
 * that parsing took more main-thread time than the rollback's own steps (bench/serve-load.ts).
 */
export function sharedResult<T>(maxAgeMs: number, compute: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (last && now - last.at < maxAgeMs) return last.value;
    const value = compute();
    const entry = { at: now, value };
    last = entry;
    // A failure is not shared beyond the callers already waiting on it.
    value.catch(() => {
      if (last === entry) last = undefined;
    });
    return value;
  };
}
