import Database from "better-sqlite3";
import { BackoutError } from "../../core/errors.js";

/** SQLite's own failures become STORE_FAILED; a busy database may succeed when tried again. */
export function toStoreError(e: unknown, file: string): unknown {
  if (!(e instanceof Database.SqliteError)) return e;
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
