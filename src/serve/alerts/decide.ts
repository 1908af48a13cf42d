/**
 * What to do with one firing alert, from the triggers and the decisions already taken (pure:
 * the handler reads the history from the store and records the verdict).
 */
import { createHash } from "node:crypto";
import type { AlertDecision } from "../../store/alert-decisions.js";
import type { AlertmanagerAlert } from "./alertmanager-payload.js";
import { matchesAll } from "./matchers.js";
import type { AutoRollbackLimit, Trigger } from "./triggers-config.js";

/**
 * One alert occurrence: Alertmanager re-sends a firing alert (repeat_interval, the group
 * changing, each HA peer), always with the same group key, fingerprint (a hash of its labels)
 * and startsAt. The same labels firing again after resolving have a new startsAt.
 */
export function dedupeKey(groupKey: string, alert: AlertmanagerAlert): string {
  return createHash("sha256")
    .update(JSON.stringify([groupKey, alert.fingerprint, alert.startsAt]))
    .digest("hex");
}

/** How an alert's rollback names its requester in the journal: `alert:TRIGGER (ALERTNAME)`. */
export const ALERT_REQUESTER = "alert:";

export function alertRequester(trigger: string, alert: AlertmanagerAlert): string {
  return `${ALERT_REQUESTER}${trigger} (${alert.labels.alertname ?? alert.fingerprint})`;
}

/** The first trigger whose matchers all accept the labels (file order, like Alertmanager routes). */
export function triggerFor(
  triggers: readonly Trigger[],
  labels: Record<string, string>,
): Trigger | undefined {
  return triggers.find((t) => matchesAll(t.match, labels));
}

export type Judgement =
  | { outcome: "triggered"; reason: string }
  | { outcome: "suppressed"; reason: "cooldown" | "limit"; detail: string; because?: AlertDecision };

/**
 * Cooldown first (this trigger acted recently), then the limit over all triggers. Only
 * decisions that started an action count: a suppressed one, or one whose start failed (it
 * rolled nothing back; a re-send takes it again), does not.
 */
export function judge(
  trigger: Trigger,
  history: readonly AlertDecision[],
  now: number,
  limit: AutoRollbackLimit,
): Judgement {
  const acted = history.filter((d) => d.outcome === "triggered");
  const last = acted.filter((d) => d.trigger === trigger.name).at(-1);
  if (last !== undefined && now - last.at < trigger.cooldown) {
    return {
      outcome: "suppressed",
      reason: "cooldown",
      detail: `trigger ${trigger.name} acted ${seconds(now - last.at)} ago (cooldown ${seconds(trigger.cooldown)})`,
      because: last,
    };
  }
  const inWindow = acted.filter((d) => now - d.at < limit.windowMs);
  if (inWindow.length >= limit.maxRollbacks) {
    return {
      outcome: "suppressed",
      reason: "limit",
      detail: `${inWindow.length} automatic rollback(s) in the last ${seconds(limit.windowMs)} (serve.autoRollback.maxRollbacks ${limit.maxRollbacks})`,
      ...(inWindow.length > 0 ? { because: inWindow[inWindow.length - 1] } : {}),
    };
  }
  return { outcome: "triggered", reason: `alert matched trigger ${trigger.name}` };
}

/**
 * A re-sent occurrence that was decided before: why it is taken again, or undefined when it is
 * a duplicate. Taken again when its action never happened: its start failed, or the server
 * stopped (crash, shutdown) between the decision and its rollback's creation, or during its
 * watch analysis (the verdict was lost, so the analysis runs again). Never when its rollback
 * exists, whatever became of it: that rollback is the one (an interrupted one is resumed per
 * serve.resumeInterrupted). A decision from before rollback ids were reserved (none recorded)
 * cannot tell, so it stays a duplicate.
 */
export function retakeReason(
  earlier: AlertDecision,
  facts: { rollbackExists: boolean; watchingHere: boolean },
): string | undefined {
  if (earlier.outcome === "failed") return `its earlier start failed (${earlier.reason})`;
  if (earlier.outcome !== "triggered" || earlier.rollbackId === undefined) return undefined;
  if (facts.rollbackExists || facts.watchingHere) return undefined;
  return earlier.action === "watch"
    ? "its watch analysis was cut short (the server stopped) before a verdict"
    : `its rollback ${earlier.rollbackId} was never created (the server stopped first)`;
}

/** How far back the history must reach to judge any trigger. */
export function horizon(triggers: readonly Trigger[], limit: AutoRollbackLimit): number {
  return Math.max(limit.windowMs, ...triggers.map((t) => t.cooldown));
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
