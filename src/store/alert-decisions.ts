/**
 * What `backout serve` decided about each firing alert a trigger matched: the record that
 * makes dedupe, cooldowns and the automatic-rollback limit hold across server restarts.
 * One row per alert occurrence (dedupe key: Alertmanager group key, alert fingerprint and
 * startsAt), written before the rollback starts and naming the rollback id reserved for it:
 * a re-sent alert finds whether that rollback exists (then it is a duplicate) or was never
 * created (a crash or a failed start: it is taken again), so it rolls back exactly once.
 */
import type { OutboxMessage } from "./outbox.js";

/**
 * triggered: it acts (its rollback is being created or exists, or a watch analysis runs);
 * watched: its watch analysis did not fail, nothing was rolled back; failed: its rollback
 * could not start (neither counts against the cooldown or the limit).
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
  /** The id reserved for its rollback when it acts (the rollback may not exist yet, or never). */
  rollbackId?: string;
}

/** recorded: false when this dedupe key was decided before; `earlier` is that decision. */
export type Recorded = { recorded: true } | { recorded: false; earlier: AlertDecision };

export interface AlertSettlement {
  outcome: AlertOutcome;
  reason: string;
  rollbackId?: string;
  at?: number;
}

export interface AlertDecisionStore {
  /**
   * Inserts unless this dedupe key was decided before (one statement: two callers cannot both
   * insert). `outbox`: the decision's notices (a suppression's), inserted in the same
   * transaction and only when the decision is: a crash cannot lose them, a re-send adds none.
   */
  recordAlertDecision(d: AlertDecision, outbox?: readonly OutboxMessage[]): Promise<Recorded>;
  /**
   * Later news about a decision: the watch verdict, that starting failed, or a decision taken
   * again (its new time and reserved rollback id). A rollbackId left out keeps the one recorded.
   * `outbox`: the notices of a decision taken again, in the same transaction.
   */
  settleAlertDecision(
    environment: string,
    dedupeKey: string,
    update: AlertSettlement,
    outbox?: readonly OutboxMessage[],
  ): Promise<void>;
  /** Decisions at or after `since`, oldest first. */
  alertDecisions(environment: string, since: number): Promise<AlertDecision[]>;
}
