import type { Redis } from "ioredis";

/**
 * backout's own keys in the flushed database (documented in the README). `last-flush` is the
 * component's version (a cache has none of its own); one key per rollback step proves that
 * step's flush completed, so a resumed rollback does not flush the cache the app has refilled
 * since, and a second one (`:warmed`) that its warm-up completed. All expire after 30 days:
 * the step markers only matter while a rollback can be resumed, and a `last-flush` gone reads
 * as "unflushed", which only makes the next plan flush again.
 */
export const LAST_FLUSH_KEY = "backout:last-flush";
const STEP_PREFIX = "backout:flushed:";
export const MARKER_TTL_SECONDS = 30 * 24 * 3600;

/** The marker saying this step's warm-up completed (the step is done only then). */
export function warmedKey(stepKey: string): string {
  return `${stepKey}:warmed`;
}

/** The marker of one step of one rollback; undefined outside a rollback (nothing to resume). */
export function stepMarkerKey(rollbackId: string | undefined, stepId: string): string | undefined {
  if (rollbackId === undefined || rollbackId === "") return undefined;
  return `${STEP_PREFIX}${rollbackId}:${stepId}`;
}

/** backout's markers are never counted or deleted by a pattern flush (a pattern like `*:*` may match them). */
export function isMarkerKey(key: Buffer): boolean {
  const text = key.toString("latin1");
  return text === LAST_FLUSH_KEY || text.startsWith(STEP_PREFIX);
}

export function versionOf(lastFlush: string | null): string {
  return lastFlush === null ? "unflushed" : `flushed@${lastFlush}`;
}

/** Both markers in one MULTI: the version changes exactly when the step's flush is recorded. */
export async function writeMarkers(redis: Redis, stepKey: string | undefined, iso: string): Promise<void> {
  const tx = redis.multi().set(LAST_FLUSH_KEY, iso, "EX", MARKER_TTL_SECONDS);
  if (stepKey !== undefined) tx.set(stepKey, iso, "EX", MARKER_TTL_SECONDS);
  const results = await tx.exec();
  const failed = results?.find(([err]) => err !== null);
  if (results === null || failed) throw failed?.[0] ?? new Error("MULTI/EXEC was aborted");
}
