import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KEPT_DIR_MARKER } from "./names.js";

/**
 * Database comments backout uses as durable progress markers: whether a copy is half-restored
 * (drop it and start again) or complete (safe to swap in), and which kept copy is whose.
 */
export const MARK = "backout:";

export function restoringMark(rollbackId: string): string {
  return `${MARK}restoring ${rollbackId}`;
}

export function restoredMark(rollbackId: string): string {
  return `${MARK}restored ${rollbackId}`;
}

export function beforeMark(rollbackId: string, at: Date): string {
  return `${MARK}before ${rollbackId} ${at.toISOString()}: the database as it was before rollback ${rollbackId}; remove it with \`backout archive prune\``;
}

/** The rollback id and time a kept copy's comment records, when it is one of ours. */
export function parseBeforeMark(comment: string | null): { rollbackId: string; at: Date } | undefined {
  const m = /^backout:before (\S+) (\S+):/.exec(comment ?? "");
  if (!m?.[1] || !m[2]) return undefined;
  const at = new Date(m[2]);
  return Number.isNaN(at.getTime()) ? undefined : { rollbackId: m[1], at };
}

/** The application's own comment (ours are not carried over to the new live database). */
export function userComment(comment: string | null | undefined): string | null {
  return comment && !comment.startsWith(MARK) ? comment : null;
}

/** The rollback and time a kept data directory's marker file records (PITR), when it has one. */
export function readKeptDir(dir: string): { rollbackId: string; at: Date } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, KEPT_DIR_MARKER), "utf8")) as {
      rollbackId?: unknown;
      at?: unknown;
    };
    if (typeof parsed.rollbackId !== "string" || typeof parsed.at !== "string") return undefined;
    const at = new Date(parsed.at);
    return Number.isNaN(at.getTime()) ? undefined : { rollbackId: parsed.rollbackId, at };
  } catch {
    return undefined;
  }
}
