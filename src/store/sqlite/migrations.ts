import type Database from "better-sqlite3";
import { BackoutError } from "../../core/errors.js";

/**
 * The schema, as an ordered list of steps. `PRAGMA user_version` records the last step
 * applied, so a later backout only adds what is missing and an older one refuses a newer file.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "checkpoints, rollbacks, journal, lock and queue",
    sql: `
      CREATE TABLE checkpoints (
        id             TEXT PRIMARY KEY,
        name           TEXT NOT NULL,
        environment    TEXT NOT NULL,
        created_at     INTEGER NOT NULL,
        good           INTEGER NOT NULL DEFAULT 0 CHECK (good IN (0, 1)),
        marked_good_at INTEGER,
        components     TEXT NOT NULL
      );
      -- rowid breaks ties between checkpoints taken in the same millisecond: later insert wins.
      CREATE INDEX checkpoints_newest ON checkpoints (created_at DESC);
      CREATE INDEX checkpoints_by_name ON checkpoints (name, created_at DESC);
      CREATE INDEX checkpoints_good ON checkpoints (created_at DESC) WHERE good = 1;

      CREATE TABLE rollbacks (
        id            TEXT PRIMARY KEY,
        environment   TEXT NOT NULL,
        checkpoint_id TEXT NOT NULL,
        plan_hash     TEXT NOT NULL,
        plan          TEXT NOT NULL,
        state         TEXT NOT NULL,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL
      );
      CREATE INDEX rollbacks_newest ON rollbacks (created_at DESC);
      CREATE INDEX rollbacks_by_state ON rollbacks (state, created_at DESC);

      CREATE TABLE journal (
        rollback_id TEXT NOT NULL REFERENCES rollbacks (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        at          INTEGER NOT NULL,
        type        TEXT NOT NULL,
        data        TEXT NOT NULL,
        PRIMARY KEY (rollback_id, seq)
      ) WITHOUT ROWID;

      -- One row per environment, kept when free (rollback_id NULL) so the epoch only grows.
      CREATE TABLE lock (
        environment      TEXT PRIMARY KEY,
        rollback_id      TEXT REFERENCES rollbacks (id),
        holder           TEXT,
        epoch            INTEGER NOT NULL,
        lease_expires_at INTEGER
      );

      CREATE TABLE queue (
        seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
        environment          TEXT NOT NULL,
        rollback_id          TEXT NOT NULL UNIQUE REFERENCES rollbacks (id) ON DELETE CASCADE,
        holder               TEXT NOT NULL,
        enqueued_at          INTEGER NOT NULL,
        heartbeat_expires_at INTEGER NOT NULL
      );
      CREATE INDEX queue_by_environment ON queue (environment, seq);
    `,
  },
  {
    version: 2,
    description: "notification outbox",
    // One row per (message, channel). The id is the message's webhook-id, the same on every
    // attempt. Rows are inserted in the transaction of the journal event that causes them.
    // No URL or secret is stored: the channel is found again by its key in backout.yaml.
    sql: `
      CREATE TABLE outbox (
        id              TEXT PRIMARY KEY,
        rollback_id     TEXT NOT NULL REFERENCES rollbacks (id) ON DELETE CASCADE,
        channel         TEXT NOT NULL,
        label           TEXT NOT NULL,
        about           TEXT NOT NULL,
        message         TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        claimed_until   INTEGER,
        delivered_at    INTEGER,
        gave_up         INTEGER NOT NULL DEFAULT 0 CHECK (gave_up IN (0, 1)),
        last_error      TEXT
      );
      CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND gave_up = 0;
      CREATE INDEX outbox_by_rollback ON outbox (rollback_id, created_at);
    `,
  },
  {
    version: 3,
    description: "journal feed: one order over every rollback's journal",
    // `backout serve` streams every journal event to its clients by this id (SSE Last-Event-ID).
    // Writers are serialized (IMMEDIATE transactions), so ids grow in commit order: a reader
    // that has seen id N has seen every event committed before it, whichever process wrote it.
    sql: `
      CREATE TABLE journal_feed (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        rollback_id TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        UNIQUE (rollback_id, seq)
      );
      INSERT INTO journal_feed (rollback_id, seq)
        SELECT rollback_id, seq FROM journal ORDER BY at, rollback_id, seq;
    `,
  },
  {
    version: 4,
    description: "alert decisions: what backout serve did with each firing alert a trigger matched",
    // The unique key is the dedupe: Alertmanager re-sends a firing alert (repeat_interval, group
    // changes, HA peers); each occurrence is decided once, across server restarts.
    sql: `
      CREATE TABLE alert_decisions (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        environment TEXT NOT NULL,
        dedupe_key  TEXT NOT NULL,
        at          INTEGER NOT NULL,
        trigger     TEXT NOT NULL,
        action      TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        reason      TEXT NOT NULL,
        labels      TEXT NOT NULL,
        rollback_id TEXT,
        UNIQUE (environment, dedupe_key)
      );
      CREATE INDEX alert_decisions_by_time ON alert_decisions (environment, at);
    `,
  },
  {
    version: 5,
    description: "checkpoint events: who took, marked and unmarked each checkpoint, when and through what",
    // Checkpoints have no journal; this is their audit. Each row is written in the transaction of
    // the change it describes. No foreign key: the record outlives what it is about.
    sql: `
      CREATE TABLE checkpoint_events (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        environment   TEXT NOT NULL,
        checkpoint_id TEXT NOT NULL,
        at            INTEGER NOT NULL,
        action        TEXT NOT NULL,
        by            TEXT NOT NULL,
        via           TEXT NOT NULL,
        details       TEXT NOT NULL
      );
      CREATE INDEX checkpoint_events_by_checkpoint ON checkpoint_events (checkpoint_id, id);
    `,
  },
  {
    version: 6,
    description: "outbox rows without a rollback: a suppressed automatic rollback's notice",
    // A notice about an alert decision has no rollback to belong to (maxRollbacks: 0 allows none),
    // so rollback_id becomes nullable and `subject` says what the message is about: the rollback
    // id for a rollback's messages, "alert:<dedupe key>:<decided at>" for a suppressed decision.
    // SQLite cannot drop NOT NULL in place: the table is rebuilt, every row kept as it was.
    sql: `
      CREATE TABLE outbox_v6 (
        id              TEXT PRIMARY KEY,
        rollback_id     TEXT REFERENCES rollbacks (id) ON DELETE CASCADE,
        subject         TEXT NOT NULL,
        channel         TEXT NOT NULL,
        label           TEXT NOT NULL,
        about           TEXT NOT NULL,
        message         TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        claimed_until   INTEGER,
        delivered_at    INTEGER,
        gave_up         INTEGER NOT NULL DEFAULT 0 CHECK (gave_up IN (0, 1)),
        last_error      TEXT,
        CHECK (rollback_id IS NULL OR subject = rollback_id)
      );
      INSERT INTO outbox_v6 (id, rollback_id, subject, channel, label, about, message, created_at,
          attempts, next_attempt_at, claimed_until, delivered_at, gave_up, last_error)
        SELECT id, rollback_id, rollback_id, channel, label, about, message, created_at,
          attempts, next_attempt_at, claimed_until, delivered_at, gave_up, last_error FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_v6 RENAME TO outbox;
      CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND gave_up = 0;
      CREATE INDEX outbox_by_rollback ON outbox (rollback_id, created_at);
    `,
  },
  {
    version: 7,
    description: "rollback listings read an index, not the rows that carry the plans",
    // Every column a listing reads (all but the plan), newest first: status, history and the
    // default target no longer walk past each row's plan (its overflow pages) to reach state
    // and the times, which cost status ~50 ms at 5,000 rollbacks. Only state changes and new
    // rollbacks write it.
    sql: `
      CREATE INDEX rollbacks_listing ON rollbacks
        (created_at DESC, id, environment, checkpoint_id, plan_hash, state, updated_at);
    `,
  },
];

export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

function userVersion(db: Database.Database): number {
  return Number(db.pragma("user_version", { simple: true }));
}

/**
 * Brings the file up to SCHEMA_VERSION. The check is repeated inside a write transaction
 * because several backout processes may open a fresh file at the same moment.
 */
export function migrate(db: Database.Database, file: string): void {
  const tooNew = (found: number) =>
    new BackoutError(
      "STORE_FAILED",
      `${file} has schema version ${found}; this backout knows up to ${SCHEMA_VERSION}`,
      {
        hint: "upgrade backout to the version that last wrote this state directory",
        details: { file, found, supported: SCHEMA_VERSION },
      },
    );
  const seen = userVersion(db);
  if (seen === SCHEMA_VERSION) return;
  if (seen > SCHEMA_VERSION) throw tooNew(seen);

  db.transaction(() => {
    const current = userVersion(db);
    if (current > SCHEMA_VERSION) throw tooNew(current);
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      // PRAGMA takes no bind parameters; the value is an integer from the list above.
      if (!Number.isInteger(m.version)) throw new Error(`bad migration version ${m.version}`);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}
