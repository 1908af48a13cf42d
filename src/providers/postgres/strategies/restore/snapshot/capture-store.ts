import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { BackoutError } from "../../../../../core/errors.js";
import { lsnSortKey } from "./lsn.js";
import type { CaptureStore, CapturedChange } from "./types.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  commit_key TEXT NOT NULL,
  pos INTEGER NOT NULL,
  xid INTEGER NOT NULL,
  lsn TEXT NOT NULL,
  commit_lsn TEXT NOT NULL,
  commit_time TEXT NOT NULL,
  schema_name TEXT NOT NULL,
  table_name TEXT NOT NULL,
  op TEXT NOT NULL,
  keys TEXT NOT NULL,
  vals TEXT NOT NULL,
  types TEXT NOT NULL,
  migration INTEGER NOT NULL,
  n INTEGER NOT NULL DEFAULT 1,
  UNIQUE (commit_key, pos)
);`;

const TOTALS =
  "CREATE TABLE IF NOT EXISTS totals (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL)";

interface Row {
  seq: number;
  xid: number;
  lsn: string;
  commit_lsn: string;
  commit_time: string;
  schema_name: string;
  table_name: string;
  op: CapturedChange["op"];
  keys: string;
  vals: string;
  types: string;
  migration: number;
  n: number;
}

/**
 * Opens (creating) the capture store: a SQLite file outside the database being restored.
 * Transactions are the unit of idempotence: a transaction (by commit LSN) already stored is
 * skipped whole, so draining the slot again after a crash between store and slot advance
 * adds nothing twice. Callers append whole transactions (drainSlot does).
 */
export function openCaptureStore(file: string): CaptureStore {
  let db: Database.Database;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file, { timeout: 5000 });
    db.pragma("journal_mode = WAL");
    // Every append must survive a power cut before the slot is advanced past it.
    db.pragma("synchronous = FULL");
    db.exec(SCHEMA);
    // Stores made before collapsed migration rows: every row stands for one change.
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('changes')").all();
    if (!columns.some((c) => c.name === "n"))
      db.exec("ALTER TABLE changes ADD COLUMN n INTEGER NOT NULL DEFAULT 1");
    // The count, kept in the appends' own transactions: summing the rows reads the whole store
    // (hundreds of MB at 200k changes), and the count is asked for while writes are blocked.
    db.exec(TOTALS);
    db.exec("INSERT OR IGNORE INTO totals (one, n) SELECT 1, coalesce(sum(n), 0) FROM changes");
  } catch (e) {
    throw new BackoutError("STORE_FAILED", `cannot open the capture store ${file}: ${String(e)}`, {
      hint: `Check that ${path.dirname(file)} exists or can be created and is writable (captureDir in backout.yaml).`,
    });
  }
  const has = db.prepare<[string], { one: number }>(
    "SELECT 1 AS one FROM changes WHERE commit_key = ? LIMIT 1",
  );
  const insert = db.prepare(
    `INSERT OR IGNORE INTO changes (commit_key, pos, xid, lsn, commit_lsn, commit_time, schema_name, table_name, op, keys, vals, types, migration, n)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const readStmt = db.prepare<[number, number], Row>(
    "SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
  );
  const countStmt = db.prepare<[], { n: number }>("SELECT n FROM totals WHERE one = 1");
  const addCount = db.prepare<[number]>("UPDATE totals SET n = n + ? WHERE one = 1");
  const lastStmt = db.prepare<[], { commit_lsn: string }>(
    "SELECT commit_lsn FROM changes ORDER BY commit_key DESC LIMIT 1",
  );

  const appendTx = db.transaction((changes: Omit<CapturedChange, "seq">[]): number => {
    let added = 0;
    const seen = new Map<string, { key: string; skip: boolean; pos: number }>();
    let group: { key: string; skip: boolean; pos: number } | undefined;
    let groupLsn: string | undefined;
    for (const c of changes) {
      // A transaction's changes come together: look its key up once, not per change (BigInt work).
      if (c.commitLsn !== groupLsn || !group) {
        groupLsn = c.commitLsn;
        group = seen.get(c.commitLsn);
        if (!group) {
          const key = lsnSortKey(c.commitLsn);
          group = { key, skip: has.get(key) !== undefined, pos: 0 };
          seen.set(c.commitLsn, group);
        }
      }
      const key = group.key;
      const pos = group.pos++;
      if (group.skip) continue;
      // Positional parameters: measurably faster than named ones at 50,000 rows.
      const n = c.count ?? 1;
      if (
        insert.run(
          key,
          pos,
          c.xid,
          c.lsn,
          c.commitLsn,
          c.commitTime,
          c.schema,
          c.table,
          c.op,
          JSON.stringify(c.keys),
          JSON.stringify(c.values),
          JSON.stringify(c.types),
          c.migration ? 1 : 0,
          n,
        ).changes > 0
      )
        added += n;
    }
    if (added > 0) addCount.run(added);
    return added;
  });

  return {
    file,
    append: (changes) => appendTx(changes),
    read: (afterSeq, limit) => readStmt.all(afterSeq, limit).map(toChange),
    count: () => countStmt.get()?.n ?? 0,
    lastCommitLsn: () => lastStmt.get()?.commit_lsn,
    close: () => db.close(),
  };
}

function toChange(r: Row): CapturedChange {
  return {
    seq: r.seq,
    xid: r.xid,
    lsn: r.lsn,
    commitLsn: r.commit_lsn,
    commitTime: r.commit_time,
    schema: r.schema_name,
    table: r.table_name,
    op: r.op,
    keys: JSON.parse(r.keys) as Record<string, unknown>,
    values: JSON.parse(r.vals) as Record<string, unknown>,
    types: JSON.parse(r.types) as Record<string, string>,
    migration: r.migration === 1,
    ...(r.n === 1 ? {} : { count: r.n }),
  };
}
