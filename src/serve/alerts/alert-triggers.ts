/**
 * Alert-driven rollback: each firing alert of an Alertmanager notification is matched against
 * `triggers:`, decided once (dedupe), judged against the cooldown and the limit, recorded in
 * the store, and only then acted on, through the same Runner (engine, lock, journal) as
 * POST /rollbacks. The data-loss gate is not bypassed: such a plan waits for an approver and
 * the awaiting-confirmation notification carries the approval link (serve.publicUrl).
 */
import { toBackoutError } from "../../core/errors.js";
import type { PlanRequest } from "../../core/engine.js";
import { watchDeploy } from "../../core/watch.js";
import { notify } from "../../notify/index.js";
import type { AlertDecision, AlertDecisionStore } from "../../store/alert-decisions.js";
import type { ServeContext } from "../context.js";
import type { AlertmanagerAlert, AlertmanagerPayload } from "./alertmanager-payload.js";
import { dedupeKey, horizon, judge, triggerFor } from "./decide.js";
import type { Trigger } from "./triggers-config.js";

export interface AlertResult {
  fingerprint: string;
  status: "firing" | "resolved";
  /** ignored: resolved, or no trigger matches; duplicate: this occurrence was decided before. */
  outcome: "ignored" | "duplicate" | "triggered" | "suppressed" | "failed";
  reason: string;
  trigger?: string;
  rollbackId?: string;
}

export class AlertTriggers {
  /** Decisions are taken one at a time, so two deliveries at once cannot both pass the limit. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly watches = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly ctx: ServeContext,
    private readonly store: AlertDecisionStore,
  ) {}

  private get triggers(): readonly Trigger[] {
    return this.ctx.engine.config.triggers ?? [];
  }

  handle(payload: AlertmanagerPayload, by: string): Promise<AlertResult[]> {
    const next = this.queue.then(() => this.decideAll(payload, by));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Shutdown: running watch analyses stop (nothing rolls back on their account). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all([...this.watches]);
  }

  private async decideAll(payload: AlertmanagerPayload, by: string): Promise<AlertResult[]> {
    const out: AlertResult[] = [];
    for (const alert of payload.alerts) out.push(await this.decide(payload.groupKey, alert, by));
    return out;
  }

  private async decide(groupKey: string, alert: AlertmanagerAlert, by: string): Promise<AlertResult> {
    const base = { fingerprint: alert.fingerprint, status: alert.status };
    if (alert.status !== "firing") return { ...base, outcome: "ignored", reason: "resolved" };
    const trigger = triggerFor(this.triggers, alert.labels);
    if (!trigger) return { ...base, outcome: "ignored", reason: "no trigger matches its labels" };
    const { engine, config, log, metrics } = this.ctx;
    const now = engine.clock.now();
    const env = engine.config.environment;
    const history = await this.store.alertDecisions(env, now - horizon(this.triggers, config.autoRollback));
    const verdict = judge(trigger, history, now, config.autoRollback);
    const decision: AlertDecision = {
      environment: env,
      dedupeKey: dedupeKey(groupKey, alert),
      at: now,
      trigger: trigger.name,
      action: trigger.action,
      outcome: verdict.outcome,
      reason: verdict.outcome === "suppressed" ? `${verdict.reason}: ${verdict.detail}` : verdict.reason,
      labels: alert.labels,
    };
    const named = { ...base, trigger: trigger.name };
    if (!(await this.store.recordAlertDecision(decision))) {
      metrics.autoRollbacks.inc({ outcome: "suppressed" });
      return { ...named, outcome: "duplicate", reason: "this alert occurrence was already decided" };
    }
    const audit = {
      audit: "alert",
      by,
      trigger: trigger.name,
      alert: alert.labels,
      fingerprint: alert.fingerprint,
    };
    if (verdict.outcome === "suppressed") {
      metrics.autoRollbacks.inc({ outcome: "suppressed" });
      log.warn({ ...audit, suppressed: verdict.reason }, `automatic rollback suppressed: ${verdict.detail}`);
      if (verdict.reason === "limit") this.notifySuppressed(decision, verdict.because);
      return { ...named, outcome: "suppressed", reason: decision.reason };
    }
    metrics.autoRollbacks.inc({ outcome: "triggered" });
    const request: PlanRequest = { only: trigger.only ?? [], except: [] };
    const requestedBy = `alert:${trigger.name} (${alert.labels.alertname ?? alert.fingerprint})`;
    if (trigger.action === "watch") {
      log.warn(audit, `alert matched trigger ${trigger.name}: running the watch analysis first`);
      this.watchThenRollback(decision, request, requestedBy);
      return { ...named, outcome: "triggered", reason: "watch analysis started" };
    }
    log.warn(audit, `alert matched trigger ${trigger.name}: rolling back`);
    return { ...named, ...(await this.rollback(decision, request, requestedBy)) };
  }

  private async rollback(
    decision: AlertDecision,
    request: PlanRequest,
    requestedBy: string,
  ): Promise<Pick<AlertResult, "outcome" | "reason" | "rollbackId">> {
    const { engine } = this.ctx;
    try {
      const started = await this.ctx.runner.run(request, requestedBy);
      await this.store.settleAlertDecision(engine.config.environment, decision.dedupeKey, {
        outcome: "triggered",
        reason: decision.reason,
        rollbackId: started.rollbackId,
      });
      return { outcome: "triggered", reason: decision.reason, rollbackId: started.rollbackId };
    } catch (e) {
      const err = toBackoutError(e);
      this.ctx.log.error(
        { trigger: decision.trigger, err: err.toJSON() },
        "automatic rollback did not start",
      );
      await this.store.settleAlertDecision(engine.config.environment, decision.dedupeKey, {
        outcome: "failed",
        reason: `${err.code}: ${err.message}`,
      });
      return { outcome: "failed", reason: engine.redact(`${err.code}: ${err.message}`) };
    }
  }

  private watchThenRollback(decision: AlertDecision, request: PlanRequest, requestedBy: string): void {
    const { engine, log } = this.ctx;
    const run = async () => {
      const watched = await watchDeploy(engine, {
        noRollback: true,
        checkpointOnPass: false,
        signal: this.stopping.signal,
      });
      if (watched.verdict !== "failed") {
        log.warn({ trigger: decision.trigger, verdict: watched.verdict }, `no rollback: ${watched.reason}`);
        await this.store.settleAlertDecision(engine.config.environment, decision.dedupeKey, {
          outcome: "watched",
          reason: `watch: ${watched.reason}; not rolled back`,
        });
        return;
      }
      await this.rollback({ ...decision, reason: `watch: ${watched.reason}` }, request, requestedBy);
    };
    const p = run().catch((e: unknown) =>
      log.error({ trigger: decision.trigger, err: toBackoutError(e).toJSON() }, "the watch analysis failed"),
    );
    const tracked = p.finally(() => this.watches.delete(tracked));
    this.watches.add(tracked);
  }

  /** "Then notify instead": every channel that wants auto-rollback-suppressed hears of it. Never throws. */
  private notifySuppressed(decision: AlertDecision, because: AlertDecision | undefined): void {
    const { engine } = this.ctx;
    const channels = engine.config.notifications ?? [];
    if (channels.length === 0) return;
    const labels = Object.entries(decision.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(", ");
    void notify(
      channels,
      {
        about: "auto-rollback-suppressed",
        rollbackId: because?.rollbackId ?? "none",
        environment: engine.config.environment,
        state: "running",
        summary: `alert {${labels}} matched trigger ${decision.trigger}; not rolled back: ${decision.reason}`,
        planHash: "",
        at: decision.at,
      },
      { redact: engine.redact, clock: engine.clock },
    ).then((results) => {
      for (const r of results.filter((x) => !x.ok))
        this.ctx.log.error({ channel: r.channel, err: r.error }, "suppressed-rollback notification not sent");
    });
  }
}
