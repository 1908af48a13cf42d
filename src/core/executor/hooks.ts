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
  /**
   * Rollback id + the journal seq of the event that decided the hook. A hook runs at least once:
   * after a crash it runs again with the same key, so a receiver drops what it already handled.
   */
  idempotencyKey: string;
}

interface HookDeps {
  journal: JournalWriter;
  env: Record<string, string | undefined>;
  baseDir: string;
  redact: (text: string) => string;
}

export const IDEMPOTENCY_ENV = "BACKOUT_IDEMPOTENCY_KEY";

function hookEnv(deps: HookDeps, spec: CommandSpec, extra: Record<string, string>) {
  return { ...deps.env, ...spec.env, ...extra };
}

/**
 * Runs the escalation command with the summary as JSON on stdin; its failure is journalled, not
 * thrown. The caller runs it again on resume until its outcome is journalled (at least once).
 */
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
        [IDEMPOTENCY_ENV]: summary.idempotencyKey,
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

/**
 * Runs the emergency procedure's steps in order, skipping those whose outcome is already
 * journalled (`done`, by index); a failing step does not stop the next. Each step's key is
 * `<rollback>:<seq of emergency-started>:<index>`, the same on every run.
 */
export async function runEmergencyProcedure(
  deps: HookDeps,
  steps: CommandSpec[],
  rollbackId: string,
  startedSeq: number,
  done: ReadonlySet<string>,
): Promise<void> {
  for (const [index, spec] of steps.entries()) {
    if (done.has(String(index))) continue;
    const key = `${rollbackId}:${startedSeq}:${index}`;
    try {
      await runCommandOk({
        argv: spec.command,
        cwd: deps.baseDir,
        env: hookEnv(deps, spec, {
          BACKOUT_ROLLBACK_ID: rollbackId,
          BACKOUT_STATE: "timed-out",
          [IDEMPOTENCY_ENV]: key,
        }),
        input: JSON.stringify({ rollbackId, state: "timed-out", step: spec.name, idempotencyKey: key }),
        timeoutMs: spec.timeoutMs,
        redact: deps.redact,
        where: { field: `policies.emergency (${spec.name})` },
      });
      await deps.journal.append({ type: "emergency-step", name: spec.name, index, ok: true });
    } catch (e) {
      await deps.journal.append({
        type: "emergency-step",
        name: spec.name,
        index,
        ok: false,
        error: toBackoutError(e).toJSON(),
      });
    }
  }
  await deps.journal.append({ type: "emergency-finished" });
}
