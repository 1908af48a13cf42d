import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { migrate } from "./migrations.js";
import { SqliteStore } from "./sqlite-store.js";
import { BackoutError } from "../../core/errors.js";
import { storeDamaged, toStoreError } from "./store-errors.js";

export interface OpenSqliteOptions {
  /** Defaults to backout.db. */
  fileName?: string;
}

const BUSY_TIMEOUT_MS = 5000;

function connect(file: string): Database.Database {
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS, fileMustExist: true });
  try {
    // busy_timeout first: switching to WAL itself may have to wait for another process.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * A new store is built under a temporary name and linked into place complete, so a file at the
 * store's path always holds a migrated schema: an empty (0-byte) one is damage, not "new".
 */
function createStore(file: string): void {
  const tmp = `${file}.new-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  const db = new Database(tmp);
  try {
    db.pragma("journal_mode = WAL");
    migrate(db, tmp);
  } finally {
    db.close();
  }
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    // Another process created it first: theirs is used.
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * The history: journal and rollbacks grow with every rollback ever run (60 MB after 5,000), and
 * checking their pages at every open made `backout status` slower with each one. A damaged page
 * of theirs is STORE_DAMAGED when it is read (SQLITE_CORRUPT, store-errors.ts), and
 * `checkIntegrity()` (`backout doctor`) checks everything.
 */
const HISTORY_TABLES = new Set(["journal", "journal_feed", "rollbacks"]);

/**
 * The file exists but cannot be what backout wrote: refused, never taken for an empty store.
 * Every table but the history is checked (SQLite's quick_check), whatever tables later
 * versions add.
 */
function assertSound(db: Database.Database, file: string): void {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'")
    .all()
    .map((t) => t.name)
    .filter((name) => !HISTORY_TABLES.has(name));
  for (const name of tables) {
    const problems = db.pragma(`quick_check("${name.replaceAll('"', '""')}")`, { simple: true });
    if (problems !== "ok") throw storeDamaged(file, String(problems));
  }
}

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
    if (!fs.existsSync(file)) createStore(file);
    if (fs.statSync(file).size === 0) throw storeDamaged(file, "the file is empty (0 bytes)");
    db = connect(file);
    assertSound(db, file);
    migrate(db, file);
    return new SqliteStore(db, file);
  } catch (e) {
    db?.close();
    if (e instanceof BackoutError) throw e;
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
