import type Database from "better-sqlite3";
import type { AlertDecision, AlertOutcome, AlertSettlement, Recorded } from "../alert-decisions.js";

interface Row {
  environment: string;
  dedupe_key: string;
  at: number;
  trigger: string;
  action: string;
  outcome: string;
  reason: string;
  labels: string;
  rollback_id: string | null;
}

function toDecision(r: Row): AlertDecision {
  return {
    environment: r.environment,
    dedupeKey: r.dedupe_key,
    at: r.at,
    trigger: r.trigger,
    action: r.action as AlertDecision["action"],
    outcome: r.outcome as AlertOutcome,
    reason: r.reason,
    labels: JSON.parse(r.labels) as Record<string, string>,
    ...(r.rollback_id === null ? {} : { rollbackId: r.rollback_id }),
  };
}

/** The alert_decisions table's statements; the caller (SqliteStore) owns transactions and errors. */
export class SqliteAlertDecisions {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      insert: db.prepare<[string, string, number, string, string, string, string, string, string | null]>(
        `INSERT INTO alert_decisions (environment, dedupe_key, at, trigger, action, outcome, reason, labels, rollback_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (environment, dedupe_key) DO NOTHING`,
      ),
      settle: db.prepare<[string, string, string | null, number | null, string, string]>(
        `UPDATE alert_decisions SET outcome = ?, reason = ?, rollback_id = COALESCE(?, rollback_id),
           at = COALESCE(?, at)
         WHERE environment = ? AND dedupe_key = ?`,
      ),
      one: db.prepare<[string, string], Row>(
        "SELECT * FROM alert_decisions WHERE environment = ? AND dedupe_key = ?",
      ),
      since: db.prepare<[string, number], Row>(
        "SELECT * FROM alert_decisions WHERE environment = ? AND at >= ? ORDER BY at, id",
      ),
    };
  }

  record(d: AlertDecision): Recorded {
    const r = this.s.insert.run(
      d.environment,
      d.dedupeKey,
      d.at,
      d.trigger,
      d.action,
      d.outcome,
      d.reason,
      JSON.stringify(d.labels),
      d.rollbackId ?? null,
    );
    if (r.changes === 1) return { recorded: true };
    const earlier = this.s.one.get(d.environment, d.dedupeKey);
    if (!earlier) throw new Error(`alert decision ${d.dedupeKey} neither inserted nor found`);
    return { recorded: false, earlier: toDecision(earlier) };
  }

  settle(environment: string, dedupeKey: string, u: AlertSettlement): void {
    this.s.settle.run(u.outcome, u.reason, u.rollbackId ?? null, u.at ?? null, environment, dedupeKey);
  }

  since(environment: string, since: number): AlertDecision[] {
    return this.s.since.all(environment, since).map(toDecision);
  }
}
