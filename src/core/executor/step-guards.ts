import { hostname } from "node:os";
import { endGroups, groupAlive } from "../../process/process-group.js";
import { KILL_GRACE_MS } from "../../process/spawn-tree.js";
import { withProcessAnnouncer } from "../../process/step-processes.js";
import type { JournalWriter } from "../journal-writer.js";
import type { PlannedStep } from "../model.js";
import type { StepProgress } from "./execution-state.js";

/**
 * Before a resumed step is verified or applied again: the processes a dead holder started for
 * it may still run (a SIGKILL does not reach a step's own process group). They are ended (TERM,
 * grace, KILL) and waited for, so two applications of one step never overlap.
 */
export async function endSurvivingProcesses(
  journal: JournalWriter,
  step: PlannedStep,
  progress: StepProgress,
): Promise<void> {
  const here = hostname();
  const alive = progress.groups.filter((g) => g.host === here && groupAlive(g));
  if (alive.length === 0) return;
  await endGroups(alive, KILL_GRACE_MS);
  await journal.append({ type: "step-processes-ended", stepId: step.id, pgids: alive.map((g) => g.pgid) });
  progress.groups = [];
}

/** Runs a step's apply with each program it starts journalled (process group) before it may run. */
export function applyAnnounced<T>(
  journal: JournalWriter,
  step: PlannedStep,
  attempt: number,
  progress: StepProgress,
  apply: () => Promise<T>,
): Promise<T> {
  const host = hostname();
  return withProcessAnnouncer(async (g) => {
    await journal.append({ type: "step-process", stepId: step.id, attempt, host, ...g });
    progress.announced = true;
    progress.groups.push({
      pgid: g.pgid,
      host,
      ...(g.startTicks === undefined ? {} : { startTicks: g.startTicks }),
    });
  }, apply);
}
