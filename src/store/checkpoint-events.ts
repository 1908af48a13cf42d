/**
 * The checkpoint audit: who took a checkpoint, marked it good or took the mark away, when, and
 * through which channel (cli, serve, library). Rollbacks have their journal; checkpoints have
 * this. Each event is written in the transaction of the change it describes.
 */
import type { Channel } from "../core/actor.js";

export type CheckpointAction = "taken" | "marked-good" | "unmarked-good";

/** What the caller of a checkpoint change says about it; the store adds the rest. */
export interface CheckpointEventInput {
  at: number;
  /** The person (token name, OS user or `--as`), without the channel. */
  by: string;
  via: Channel;
  /** Redacted by the caller. */
  details?: Record<string, unknown>;
}

export interface CheckpointEvent {
  id: number;
  environment: string;
  checkpointId: string;
  at: number;
  action: CheckpointAction;
  by: string;
  via: Channel;
  /** taken: name, good, unreadable components; marked-good / unmarked-good: wasGood. */
  details: Record<string, unknown>;
}

export interface CheckpointEventStore {
  /** One checkpoint's events, oldest first. */
  checkpointEvents(checkpointId: string): Promise<CheckpointEvent[]>;
}
