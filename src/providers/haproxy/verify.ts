import type { PlannedStep } from "../../core/model.js";
import { apiFor, type Ctx, readBackend, resolvePath } from "./live.js";
import { differing } from "./server-state.js";
import { readSettings } from "./settings.js";
import { readStateFile } from "./state-file.js";
import { setServersParams } from "./step-params.js";

/**
 * Reached when HAProxy reports every server of the step in its planned state and weight and,
 * with `stateFile`, the file says the same (a crash between the two must not count as done).
 */
export async function verifyHaproxy(ctx: Ctx, step: PlannedStep): Promise<boolean> {
  const settings = readSettings(ctx);
  const { backend, servers: want } = setServersParams(step);
  const live = await readBackend(apiFor(ctx, settings, step.id), backend);
  if (differing(live, want).length > 0) return false;
  if (settings.stateFile === undefined) return true;
  const saved = await readStateFile(resolvePath(ctx, settings.stateFile), backend);
  return saved !== undefined && differing(saved, want).length === 0;
}
