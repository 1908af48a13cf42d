import Database from "better-sqlite3";
import { BackoutError } from "../../core/errors.js";

/**
 * SQLite's own failures become STORE_FAILED (a full disk says so), or STORE_DAMAGED when the
 * file is not a sound database; a busy database may succeed when tried again.
 */
export function toStoreError(e: unknown, file: string): unknown {
  if (!(e instanceof Database.SqliteError)) return e;
  if (e.code.startsWith("SQLITE_FULL")) {
    return new BackoutError("STORE_FAILED", `state database ${file}: the disk is full (${e.message})`, {
      retryable: true,
      hint: `free space on the disk of ${file}, then \`backout resume\`: nothing was lost, the last step is re-verified`,
      details: { file, sqliteCode: e.code },
      cause: e,
    });
  }
  if (e.code.startsWith("SQLITE_CORRUPT") || e.code.startsWith("SQLITE_NOTADB"))
    return storeDamaged(file, e.message, e);
  const busy = e.code.startsWith("SQLITE_BUSY") || e.code.startsWith("SQLITE_LOCKED");
  return new BackoutError("STORE_FAILED", `state database ${file}: ${e.message}`, {
    retryable: busy,
    hint: busy
      ? `another backout process kept ${file} locked for too long; try again`
      : `check that ${file} is a backout state database on a writable disk`,
    details: { file, sqliteCode: e.code },
    cause: e,
  });
}

export function lockLost(rollbackId: string, environment: string): BackoutError {
  return new BackoutError(
    "LOCK_LOST",
    `rollback ${rollbackId} no longer holds the lock of environment ${environment}`,
    {
      retryable: false,
      hint: "another backout process took over this rollback; see backout status",
      details: { rollbackId, environment },
    },
  );
}

export function rollbackNotFound(rollbackId: string): BackoutError {
  return new BackoutError("ROLLBACK_NOT_FOUND", `no rollback with id ${rollbackId}`, {
    hint: "list rollbacks with backout history",
    details: { rollbackId },
  });
}

export function storeDamaged(file: string, why: string, cause?: unknown): BackoutError {
  return new BackoutError("STORE_DAMAGED", `state database ${file} is damaged: ${why}`, {
    hint: `backout will not guess at history it cannot read. Keep a copy of ${file} for inspection, restore it from a backup, or move it away to start an empty store (its checkpoints and rollbacks are then gone)`,
    details: { file },
    ...(cause === undefined ? {} : { cause }),
  });
}
