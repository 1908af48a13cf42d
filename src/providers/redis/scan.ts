import type { Redis } from "ioredis";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import { isMarkerKey } from "./markers.js";

export interface CountResult {
  count: number;
  /** False when the bound stopped the scan early: count is then a lower bound. */
  complete: boolean;
}

/**
 * Counts keys matching the patterns with SCAN (never KEYS: it blocks the server), examining at
 * most about `maxScans` × `batchSize` keys per pattern so capture and plan stay fast on big caches.
 */
export async function countMatching(
  redis: Redis,
  patterns: readonly string[],
  batchSize: number,
  maxScans: number,
): Promise<CountResult> {
  let count = 0;
  let complete = true;
  for (const pattern of patterns) {
    let cursor = "0";
    let scans = 0;
    do {
      if (scans >= maxScans) {
        complete = false;
        break;
      }
      const [next, keys] = await redis.scanBuffer(cursor, "MATCH", pattern, "COUNT", batchSize);
      cursor = next.toString();
      scans += 1;
      count += keys.filter((k) => !isMarkerKey(k)).length;
    } while (cursor !== "0");
  }
  return { count, complete };
}

export interface UnlinkOptions {
  patterns: readonly string[];
  batchSize: number;
  signal: AbortSignal;
  where: ErrorLocation;
}

/**
 * SCAN MATCH/COUNT until the cursor is back at 0, UNLINK-ing each page in batches of at most
 * batchSize (UNLINK frees memory in the background, so the server never stalls). Keys are
 * handled as Buffers so binary key names are deleted exactly. Deleting keys SCAN already
 * returned is safe: SCAN still returns every key that exists for the whole iteration.
 * Returns how many keys were deleted.
 */
export async function unlinkMatching(redis: Redis, opts: UnlinkOptions): Promise<number> {
  let deleted = 0;
  for (const pattern of opts.patterns) {
    let cursor = "0";
    do {
      if (opts.signal.aborted) {
        throw new BackoutError("STEP_CANCELLED", `flush cancelled after deleting ${deleted} keys`, {
          where: opts.where,
        });
      }
      const [next, found] = await redis.scanBuffer(cursor, "MATCH", pattern, "COUNT", opts.batchSize);
      cursor = next.toString();
      const keys = found.filter((k) => !isMarkerKey(k));
      for (let i = 0; i < keys.length; i += opts.batchSize) {
        deleted += await redis.unlink(...keys.slice(i, i + opts.batchSize));
      }
    } while (cursor !== "0");
  }
  return deleted;
}
