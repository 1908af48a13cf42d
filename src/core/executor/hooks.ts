import type { CommandSpec } from "../../config/types.js";
import { runCommandOk } from "../../process/run-command.js";
import { toBackoutError } from "../errors.js";
import type { JournalWriter } from "../journal-writer.js";

export interface EscalationSummary {
  rollbackId: string;
  environment: string;
  reason: string;
  /** How the rollback ends: escalated (steps), or failed (validation). */
  finalState: "escalated" | "failed";
  failedSteps: string[];
  done: string[];
  notDone: string[];
}

interface HookDeps {
  journal: JournalWriter;
  env: Record<string, string | undefined>;
  baseDir: string;
  redact: (text: string) => string;
}

function hookEnv(deps: HookDeps, spec: CommandSpec, extra: Record<string, string>) {
  return { ...deps.env, ...spec.env, ...extra };
}

/** Runs the escalation command once with the summary as JSON on stdin; its failure is journalled, not thrown. */
export async function runEscalationHook(
  deps: HookDeps,
  spec: CommandSpec | undefined,
  summary: EscalationSummary,
): Promise<void> {
  if (!spec) return;
  try {
    await runCommandOk({
      argv: spec.command,
      cwd: deps.baseDir,
      env: hookEnv(deps, spec, {
        BACKOUT_ROLLBACK_ID: summary.rollbackId,
        BACKOUT_STATE: summary.finalState,
        BACKOUT_REASON: summary.reason,
      }),
      input: JSON.stringify(summary),
      timeoutMs: spec.timeoutMs,
      redact: deps.redact,
      where: { field: "policies.escalation" },
    });
    await deps.journal.append({ type: "escalation-hook", ok: true });
  } catch (e) {
    await deps.journal.append({ type: "escalation-hook", ok: false, error: toBackoutError(e).toJSON() });
  }
}

/** Runs the emergency procedure's steps in order, each once; a failing step does not stop the next. */
export async function runEmergencyProcedure(
  deps: HookDeps,
  steps: CommandSpec[],
  rollbackId: string,
): Promise<void> {
  await deps.journal.append({ type: "emergency-started", steps: steps.map((s) => s.name) });
  for (const spec of steps) {
    try {
      await runCommandOk({
        argv: spec.command,
        cwd: deps.baseDir,
        env: hookEnv(deps, spec, { BACKOUT_ROLLBACK_ID: rollbackId, BACKOUT_STATE: "timed-out" }),
        timeoutMs: spec.timeoutMs,
        redact: deps.redact,
        where: { field: `policies.emergency (${spec.name})` },
      });
      await deps.journal.append({ type: "emergency-step", name: spec.name, ok: true });
    } catch (e) {
      await deps.journal.append({
        type: "emergency-step",
        name: spec.name,
        ok: false,
        error: toBackoutError(e).toJSON(),
      });
    }
  }
  await deps.journal.append({ type: "emergency-finished" });
}
