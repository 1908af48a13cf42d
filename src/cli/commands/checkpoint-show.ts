import { checkpointWithEvents } from "../../core/checkpoint-audit.js";
import type { Engine } from "../../core/engine.js";
import type { CheckpointEvent } from "../../store/checkpoint-events.js";
import { out, outJson, table } from "../output.js";

function detailText(e: CheckpointEvent): string {
  const d = e.details;
  if (e.action === "taken") {
    const missing = Array.isArray(d.unreadable) ? `, without ${d.unreadable.join(", ")}` : "";
    return `${d.good === true ? "good at once" : "not marked good"}${missing}`;
  }
  if (typeof d.wasGood !== "boolean") return "";
  return d.wasGood ? "was good" : "was not good";
}

/** `checkpoints ID|NAME`: one checkpoint, its components and its audit (who took, marked, unmarked it). */
export async function showCheckpoint(engine: Engine, ref: string, json: boolean): Promise<void> {
  const { checkpoint: cp, events } = await checkpointWithEvents(engine, ref);
  if (json) return outJson({ checkpoint: cp, events });
  const good = cp.good ? `good since ${new Date(cp.markedGoodAt ?? cp.createdAt).toISOString()}` : "not good";
  out(
    `checkpoint ${cp.name} (${cp.id}) of ${cp.environment}, taken ${new Date(cp.createdAt).toISOString()}, ${good}`,
  );
  out(
    table(
      ["  component", "version"],
      Object.entries(cp.components).map(([n, s]) => [`  ${n}`, s.version]),
    ),
  );
  for (const [n, why] of Object.entries(cp.unreadable ?? {})) out(`  ${n}: NOT RECORDED (${why})`);
  out("");
  if (events.length === 0) {
    out("audit: none recorded (taken before backout kept one)");
    return;
  }
  out("audit:");
  out(
    table(
      ["  at", "action", "by", "via", "details"],
      events.map((e) => [`  ${new Date(e.at).toISOString()}`, e.action, e.by, e.via, detailText(e)]),
    ),
  );
}
