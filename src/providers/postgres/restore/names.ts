/**
 * Names of the databases (and data directories) a restore creates: `<db>__restored_<id>` while
 * the snapshot is restored, `<db>__before_<id>` for the pre-rollback copy kept until
 * `backout archive prune`. Derived from the rollback id alone, so a second call after a crash
 * finds the same names and can tell how far the first one got.
 */

/** PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_BYTES = 63;

export const RESTORED_INFIX = "__restored_";
export const BEFORE_INFIX = "__before_";

/** First 8 alphanumerics of the rollback id, lower-cased: short and stable. */
export function shortId(rollbackId: string): string {
  const id = rollbackId
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, 8);
  if (id === "") throw new Error(`rollback id "${rollbackId}" has no letter or digit to name a database by`);
  return id;
}

/** `base + suffix`, cutting `base` (never the suffix) so the whole fits in 63 bytes. */
export function fitName(base: string, suffix: string): string {
  const room = MAX_IDENTIFIER_BYTES - Buffer.byteLength(suffix);
  let cut = base;
  while (Buffer.byteLength(cut) > room) cut = [...cut].slice(0, -1).join("");
  return cut + suffix;
}

export interface RestoreNames {
  live: string;
  restored: string;
  before: string;
}

export function restoreNames(live: string, rollbackId: string): RestoreNames {
  const id = shortId(rollbackId);
  return { live, restored: prefixFor(live, RESTORED_INFIX) + id, before: prefixFor(live, BEFORE_INFIX) + id };
}

/**
 * `<base><infix>`, the base cut as if the id had its full 8 characters: every copy of one
 * database then shares this prefix, whatever its id's length (prune lists by it).
 */
function prefixFor(live: string, infix: string): string {
  return fitName(live, `${infix}xxxxxxxx`).slice(0, -8);
}

/** The prefix every kept copy of `live` starts with (for listing them). */
export function beforePrefix(live: string): string {
  return prefixFor(live, BEFORE_INFIX);
}

/** PITR: the recovered copy and the kept pre-rollback data directory, next to the live one. */
export function restoreDirs(live: string, rollbackId: string): RestoreNames {
  const id = shortId(rollbackId);
  return { live, restored: `${live}${RESTORED_INFIX}${id}`, before: `${live}${BEFORE_INFIX}${id}` };
}

/** Written into a kept pre-rollback data directory (PITR): proves it is ours to prune. */
export const KEPT_DIR_MARKER = "backout-kept.json";
