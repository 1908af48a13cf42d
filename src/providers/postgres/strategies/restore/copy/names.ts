/**
 * Names of the databases (and data directories) a restore creates: `<db>__restored_<tag>` while
 * the snapshot is restored, `<db>__before_<tag>` for the pre-rollback copy kept until
 * `backout archive prune`. The tag is derived from the whole rollback id (its letters and
 * digits plus a hash of all of it), so every rollback gets names of its own: a second restore
 * of the same database never meets the copies of an earlier one. A second call of the same
 * rollback (after a crash) finds the same names; whether a step is done is read from the
 * markers (database comments, marker files) that carry the rollback id, never from a name.
 */
import { createHash } from "node:crypto";
import { internal } from "../../../errors.js";

/** PostgreSQL truncates identifiers to 63 bytes (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_BYTES = 63;

export const RESTORED_INFIX = "__restored_";
export const BEFORE_INFIX = "__before_";

/** Letters and digits of the id kept in a name (a readable hint; the hash makes it unique). */
const READABLE = 20;
const HASH = 8;
/** The longest tag: readable part, "_", hash. */
const TAG_MAX = READABLE + 1 + HASH;

/**
 * `<up to 20 letters/digits of the id>_<8 hex of sha256(id)>`, lower-case: unique per rollback
 * id (r-20261201-… ids share their first 8 letters and digits for days), and a valid unquoted
 * identifier and file name.
 */
export function idTag(rollbackId: string): string {
  if (rollbackId === "") throw internal("a rollback id is needed to name a restored database");
  const readable = rollbackId
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(0, READABLE);
  const hash = createHash("sha256").update(rollbackId).digest("hex").slice(0, HASH);
  return `${readable || "r"}_${hash}`;
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
  const tag = idTag(rollbackId);
  return {
    live,
    restored: prefixFor(live, RESTORED_INFIX) + tag,
    before: prefixFor(live, BEFORE_INFIX) + tag,
  };
}

/**
 * `<base><infix>`, the base cut as if the tag had its full length: every copy of one database
 * then shares this prefix, whatever its id (prune lists by it).
 */
function prefixFor(live: string, infix: string): string {
  return fitName(live, `${infix}${"x".repeat(TAG_MAX)}`).slice(0, -TAG_MAX);
}

/** The prefix every kept copy of `live` starts with (for listing them). */
export function beforePrefix(live: string): string {
  return prefixFor(live, BEFORE_INFIX);
}

/** PITR: the recovered copy and the kept pre-rollback data directory, next to the live one. */
export function restoreDirs(live: string, rollbackId: string): RestoreNames {
  const tag = idTag(rollbackId);
  return { live, restored: `${live}${RESTORED_INFIX}${tag}`, before: `${live}${BEFORE_INFIX}${tag}` };
}

/** Written into a kept pre-rollback data directory (PITR): proves it is ours to prune. */
export const KEPT_DIR_MARKER = "backout-kept.json";
