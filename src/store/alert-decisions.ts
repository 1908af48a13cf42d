/**
 * What `backout serve` decided about each firing alert a trigger matched: the record that
 * makes dedupe, cooldowns and the automatic-rollback limit hold across server restarts.
 * One row per alert occurrence (dedupe key: Alertmanager group key, alert fingerprint and
 * startsAt), written before the rollback starts, so a crash never leads to a second one.
 */
/**
 * triggered: it acted (a rollback started, or a watch analysis is running); watched: its watch
 * analysis did not fail, nothing was rolled back (it does not count against the limit).
 */
export type AlertOutcome = "triggered" | "suppressed" | "failed" | "watched";

export interface AlertDecision {
  environment: string;
  dedupeKey: string;
  at: number;
  trigger: string;
  action: "rollback" | "watch";
  outcome: AlertOutcome;
  /** Why: "cooldown", "limit", the start failure, or the watch verdict. */
  reason: string;
  /** The alert's labels (alertname, severity, ...), as Alertmanager sent them. */
  labels: Record<string, string>;
  rollbackId?: string;
}

export interface AlertDecisionStore {
  /** Inserts unless this dedupe key was decided before; false when it was (a duplicate). */
  recordAlertDecision(d: AlertDecision): Promise<boolean>;
  /** Later news about a decision: the rollback it started, or that starting failed. */
  settleAlertDecision(
    environment: string,
    dedupeKey: string,
    update: { outcome: AlertOutcome; reason: string; rollbackId?: string },
  ): Promise<void>;
  /** Decisions at or after `since`, oldest first. */
  alertDecisions(environment: string, since: number): Promise<AlertDecision[]>;
}
