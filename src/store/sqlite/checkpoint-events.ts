import type Database from "better-sqlite3";
import type { Channel } from "../../core/actor.js";
import type { CheckpointAction, CheckpointEvent, CheckpointEventInput } from "../checkpoint-events.js";

interface Row {
  id: number;
  environment: string;
  checkpoint_id: string;
  at: number;
  action: string;
  by: string;
  via: string;
  details: string;
}

function toEvent(r: Row): CheckpointEvent {
  return {
    id: r.id,
    environment: r.environment,
    checkpointId: r.checkpoint_id,
    at: r.at,
    action: r.action as CheckpointAction,
    by: r.by,
    via: r.via as Channel,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

/** The checkpoint_events table's statements; the caller (SqliteStore) owns transactions and errors. */
export class SqliteCheckpointEvents {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      insert: db.prepare<[string, string, number, string, string, string, string]>(
        `INSERT INTO checkpoint_events (environment, checkpoint_id, at, action, by, via, details)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      of: db.prepare<[string], Row>("SELECT * FROM checkpoint_events WHERE checkpoint_id = ? ORDER BY id"),
    };
  }

  record(
    environment: string,
    checkpointId: string,
    action: CheckpointAction,
    e: CheckpointEventInput,
    more: Record<string, unknown> = {},
  ): void {
    const details = JSON.stringify({ ...e.details, ...more });
    this.s.insert.run(environment, checkpointId, e.at, action, e.by, e.via, details);
  }

  of(checkpointId: string): CheckpointEvent[] {
    return this.s.of.all(checkpointId).map(toEvent);
  }
}
