import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { migrate } from "./migrations.js";
import { SqliteStore } from "./sqlite-store.js";
import { BackoutError } from "../../core/errors.js";
import { toStoreError } from "./store-errors.js";

export interface OpenSqliteOptions {
  /** Defaults to backout.db. */
  fileName?: string;
}

const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) the state database in `dir`. Several backout processes
 * share the file: WAL lets readers run beside the single writer, busy_timeout makes a
 * writer wait its turn instead of failing, and synchronous=FULL fsyncs every commit.
 */
export function openSqliteStore(dir: string, opts: OpenSqliteOptions = {}): SqliteStore {
  const file = path.join(dir, opts.fileName ?? "backout.db");
  let db: Database.Database | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true });
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    // busy_timeout first: switching to WAL itself may have to wait for another process.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    migrate(db, file);
    return new SqliteStore(db, file);
  } catch (e) {
    db?.close();
    const mapped = toStoreError(e, file);
    if (mapped instanceof BackoutError) throw mapped;
    // Not SQLite's own error: the directory or file could not be created or opened.
    throw new BackoutError("STORE_FAILED", `cannot open state database ${file}: ${String(e)}`, {
      hint: `check that ${dir} exists or can be created and is writable`,
      details: { file },
      cause: e,
    });
  }
}
