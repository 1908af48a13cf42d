import type { CheckResult } from "../model.js";
import { runAll } from "./checks-phase.js";
import type { ExecuteDeps } from "./deps.js";

export interface MonitorHandlers {
  /** Stop dispatching and escalate (running steps finish). */
  abort: (why: string) => void;
  /** Stop dispatching; the rollback stays resumable (monitor.whenBlind: pause). */
  pause: (why: string) => void;
  /** The steps running right now: journalled with an abort, which lets them finish. */
  running: () => string[];
}

/** What the monitor saw, for the rollback's result. */
export interface MonitorSummary {
  samples: number;
  /** Samples in which no check could be judged (all `error`). */
  blind: number;
}

/** A sample is blind when none of its checks could be judged: it says nothing about the system. */
export function isBlind(results: readonly CheckResult[]): boolean {
  return results.length > 0 && results.every((r) => r.status === "error");
}

export function blindWarning(s: MonitorSummary): string | undefined {
  return s.blind === 0 ? undefined : `monitor blind for ${s.blind} of ${s.samples} samples`;
}

/**
 * The live monitor: samples the monitor's checks every interval while steps run. The figure is
 * the share of failing checks (failing / all); when it is strictly greater than the abort
 * threshold, it calls `abort` (stop dispatching, escalate; running steps finish). A check that
 * could not be judged ("error") does not count as failing; a sample where none could be judged
 * is blind: journalled (and notified) the first time, then handled per `monitor.whenBlind`.
 * Checks that set no `retries` get none: the next sample is the retry.
 */
export async function startMonitor(
  deps: ExecuteDeps,
  stop: AbortSignal,
  on: MonitorHandlers,
): Promise<MonitorSummary> {
  const seen: MonitorSummary = { samples: 0, blind: 0 };
  const monitor = deps.config.monitor;
  if (!monitor || monitor.checks.length === 0 || !deps.checks) return seen;
  const checks = monitor.checks.map((check) => ({ check }));
  const whenBlind = monitor.whenBlind ?? "continue";
  let told = false;
  while (!stop.aborted) {
    await deps.clock.sleep(monitor.intervalMs, stop);
    if (stop.aborted) break;
    const results = await runAll(deps, checks, stop, 0);
    if (stop.aborted) break;
    seen.samples++;
    const failing = results.filter((r) => r.status === "fail").length;
    const share = results.length === 0 ? 0 : failing / results.length;
    const aborted = share > monitor.abortThreshold;
    const blind = isBlind(results);
    if (blind) seen.blind++;
    const running = aborted || (blind && whenBlind !== "continue") ? on.running() : [];
    await deps.journal.append({
      type: "monitor-sample",
      results,
      errorRate: share,
      threshold: monitor.abortThreshold,
      aborted,
      ...(running.length > 0 ? { runningSteps: running } : {}),
    });
    if (aborted) {
      on.abort(
        `monitor: ${failing} of ${results.length} checks failing (share ${share.toFixed(2)} > ${monitor.abortThreshold})`,
      );
      break;
    }
    if (!blind || (told && whenBlind === "continue")) continue;
    told = true;
    const why = `${results.map((r) => `${r.name}: ${r.detail}`).join("; ")}`;
    const what = {
      continue: "the rollback continues without it (monitor.whenBlind: continue)",
      pause: "the rollback is paused: no new step starts (monitor.whenBlind: pause)",
      abort: "the rollback stops dispatching and escalates (monitor.whenBlind: abort)",
    }[whenBlind];
    const message = `monitor blind: none of its ${results.length} check(s) could be judged (${why}); ${what}`;
    await deps.journal.append({
      type: "monitor-blind",
      blind: seen.blind,
      samples: seen.samples,
      action: whenBlind,
      message,
      ...(running.length > 0 ? { runningSteps: running } : {}),
    });
    if (whenBlind === "abort") {
      on.abort(message);
      break;
    }
    if (whenBlind === "pause") {
      on.pause(message);
      break;
    }
  }
  return seen;
}
