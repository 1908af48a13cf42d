/**
 * The checkpoint audit's side of the engine: the record each checkpoint change writes with it
 * (who, through what, when), and reading it back with the checkpoint.
 */
import type { CheckpointEvent, CheckpointEventInput } from "../store/checkpoint-events.js";
import type { Actor } from "./actor.js";
import { checkpointNotFound } from "./checkpoint-targets.js";
import type { Engine } from "./engine.js";
import type { CheckpointRecord } from "./model.js";

/** A caller that names nobody (the library without `by`): this process, as rollbacks name it. */
export function processActor(engine: Engine): Actor {
  return { name: `${engine.holder.host}:${engine.holder.pid}`, via: "library" };
}

/** The audit record of a change made now by `by`; secrets redacted like every journal row. */
export function auditEvent(
  engine: Engine,
  by: Actor | undefined,
  details?: Record<string, unknown>,
): CheckpointEventInput {
  const actor = by ?? processActor(engine);
  return {
    at: engine.clock.now(),
    by: engine.redact(actor.name),
    via: actor.via,
    ...(details === undefined ? {} : { details: engine.redactor.redactValue(details) }),
  };
}

/** A checkpoint (by id or name) with its audit, oldest first; CHECKPOINT_NOT_FOUND otherwise. */
export async function checkpointWithEvents(
  engine: Engine,
  ref: string,
): Promise<{ checkpoint: CheckpointRecord; events: CheckpointEvent[] }> {
  const checkpoint = await engine.store.getCheckpoint(ref);
  if (!checkpoint) throw await checkpointNotFound(engine.store, ref);
  const events = (await engine.store.checkpointEvents?.(checkpoint.id)) ?? [];
  return { checkpoint, events };
}
