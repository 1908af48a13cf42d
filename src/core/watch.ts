import type { Actor } from "./actor.js";
import type { Engine } from "./engine.js";
import { BackoutError } from "./errors.js";
import type { CheckpointRecord, CheckResult } from "./model.js";
import { runRollback, type RunControl, type RunOutcome } from "./rollbacks.js";

export type MeasurementVerdict = "pass" | "fail" | "inconclusive";

export interface Measurement {
  n: number;
  at: number;
  verdict: MeasurementVerdict;
  results: CheckResult[];
}

export interface WatchOutcome {
  verdict: "passed" | "failed" | "inconclusive" | "interrupted";
  reason: string;
  measurements: Measurement[];
  /** The rollback a failed analysis started. */
  rollback?: RunOutcome;
  /** The checkpoint a passed analysis took and marked good. */
  checkpoint?: CheckpointRecord;
}

export interface WatchOptions {
  onMeasurement?: (m: Measurement) => void;
  /** Called just before the automatic rollback starts. */
  onRollback?: (reason: string) => void;
  signal?: AbortSignal;
  /** Name of the checkpoint taken when the analysis passes. */
  checkpointName?: string;
  /** Only report a failed analysis; do not roll back. */
  noRollback?: boolean;
  /** false: a passing analysis takes no checkpoint (an alert's `watch` trigger: the state is suspect). */
  checkpointOnPass?: boolean;
  /** Who runs it: the checkpoint a pass takes is audited as theirs (default: this process). */
  by?: Actor;
  rollback?: RunControl;
}

/** One measurement fails if any check fails; it is inconclusive if none fails but one could not be judged. */
function verdictOf(results: CheckResult[]): MeasurementVerdict {
  if (results.some((r) => r.status === "fail")) return "fail";
  if (results.some((r) => r.status === "error")) return "inconclusive";
  return "pass";
}

/**
 * `backout watch`: an analysis after a deploy in the manner of an Argo Rollouts AnalysisRun —
 * `count` measurements `interval` apart. More failed measurements than `failureLimit` fail it
 * and start the rollback to the last good checkpoint with no person involved; more inconclusive
 * ones than `inconclusiveLimit` end it inconclusive (nothing changed). A passing analysis takes
 * a checkpoint of the new state and marks it good.
 */
export async function watchDeploy(engine: Engine, options: WatchOptions = {}): Promise<WatchOutcome> {
  const watch = engine.config.watch;
  const runner = engine.checks;
  if (!watch || !runner) {
    throw new BackoutError("USAGE", "there is no watch analysis in the environment file", {
      hint: "Add a `watch:` section with the checks to measure (see `backout schema`).",
      where: { file: engine.config.file, field: "watch" },
    });
  }
  // Fail fast: a rollback it could not start is worse than no watch at all.
  if (!options.noRollback) await engine.resolveTarget(undefined);
  const measurements: Measurement[] = [];
  let failed = 0;
  let inconclusive = 0;
  for (let n = 1; n <= watch.count; n++) {
    if (n > 1) await engine.clock.sleep(watch.intervalMs, options.signal);
    if (options.signal?.aborted)
      return { verdict: "interrupted", reason: "stopped by the user", measurements };
    const results = await Promise.all(
      watch.checks.map((check) =>
        runner(check, {
          redact: engine.redact,
          env: { ...engine.env },
          cwd: engine.config.baseDir,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      ),
    );
    const m: Measurement = { n, at: engine.clock.now(), verdict: verdictOf(results), results };
    measurements.push(m);
    options.onMeasurement?.(m);
    if (m.verdict === "fail") failed++;
    if (m.verdict === "inconclusive") inconclusive++;
    if (failed > watch.failureLimit) {
      const reason = `analysis failed: ${failed} failed measurement(s) of ${n} (failure limit ${watch.failureLimit})`;
      if (options.noRollback) return { verdict: "failed", reason, measurements };
      options.onRollback?.(reason);
      const rollback = await runRollback(
        engine,
        {},
        { ...options.rollback, requestedBy: `backout watch (${reason})` },
      );
      return { verdict: "failed", reason, measurements, rollback };
    }
    if (inconclusive > watch.inconclusiveLimit) {
      const reason = `analysis inconclusive: ${inconclusive} measurement(s) could not be judged (limit ${watch.inconclusiveLimit})`;
      return { verdict: "inconclusive", reason, measurements };
    }
  }
  const reason = `analysis passed: ${watch.count} measurement(s), ${failed} failed, ${inconclusive} inconclusive`;
  if (options.checkpointOnPass === false) return { verdict: "passed", reason, measurements };
  const name = options.checkpointName ?? `watched-${new Date(engine.clock.now()).toISOString()}`;
  const checkpoint = await engine.checkpoint({ name, good: true, ...(options.by ? { by: options.by } : {}) });
  return { verdict: "passed", reason, measurements, checkpoint };
}
