/**
 * Alert-driven rollback: each firing alert of an Alertmanager notification is matched against
 * `triggers:`, decided once (dedupe), judged against the cooldown and the limit, recorded in
 * the store with the id reserved for its rollback, and only then acted on, through the same
 * Runner (engine, lock, journal) as POST /rollbacks. So each occurrence rolls back exactly
 * once: a re-send finds that rollback, or takes the decision again if it was never created.
 * The data-loss gate is not bypassed: such a plan waits for an approver and the
 * awaiting-confirmation notification carries the approval link (serve.publicUrl).
 */
import { toBackoutError } from "../../core/errors.js";
import { afterStoreWrite } from "../../core/failpoints.js";
import { newId } from "../../core/ids.js";
import { withdrawsFresh } from "../../core/rollbacks.js";
import type { PlanRequest } from "../../core/engine.js";
import { watchDeploy } from "../../core/watch.js";
import type { AlertDecision, AlertDecisionStore } from "../../store/alert-decisions.js";
import type { OutboxMessage } from "../../store/outbox.js";
import type { ServeContext } from "../context.js";
import type { AlertmanagerAlert, AlertmanagerPayload } from "./alertmanager-payload.js";
import { alertRequester, dedupeKey, horizon, judge, retakeReason, triggerFor } from "./decide.js";
import type { Trigger } from "./triggers-config.js";

export interface AlertResult {
  fingerprint: string;
  status: "firing" | "resolved";
  /**
   * ignored: resolved, or no trigger matches; duplicate: this occurrence was decided before (and
   * acted on: rollbackId names its rollback when there is one); failed: its rollback could not
   * start, a re-send tries again.
   */
  outcome: "ignored" | "duplicate" | "triggered" | "suppressed" | "failed";
  reason: string;
  trigger?: string;
  rollbackId?: string;
}

export class AlertTriggers {
  /** Decisions are taken one at a time, so two deliveries at once cannot both pass the limit. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly background = new Set<Promise<void>>();
  /** Dedupe keys whose watch analysis runs in this process. */
  private readonly watching = new Set<string>();
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
    await Promise.all([...this.background]);
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
    const key = dedupeKey(groupKey, alert);
    // Without this occurrence's own earlier decision: taken again, it is judged afresh.
    const history = (
      await this.store.alertDecisions(env, now - horizon(this.triggers, config.autoRollback))
    ).filter((d) => d.dedupeKey !== key);
    const verdict = judge(trigger, history, now, config.autoRollback);
    const decision: AlertDecision = {
      environment: env,
      dedupeKey: key,
      at: now,
      trigger: trigger.name,
      action: trigger.action,
      outcome: verdict.outcome,
      reason: verdict.outcome === "suppressed" ? `${verdict.reason}: ${verdict.detail}` : verdict.reason,
      labels: alert.labels,
      // Reserved before acting: a re-send can then tell whether this rollback was ever created.
      ...(verdict.outcome === "triggered" ? { rollbackId: newId("r", now) } : {}),
    };
    const named = { ...base, trigger: trigger.name };
    // "Then notify instead", past the limit or within the cooldown alike (an alert firing again
    // after its rollback is what a person must hear of): the notice is written with the
    // decision, so it is never lost or doubled.
    const notices =
      verdict.outcome === "suppressed" ? this.suppressedNotices(decision, verdict.because) : undefined;
    const recorded = await this.store.recordAlertDecision(decision, notices);
    afterStoreWrite("alert-decision");
    if (!recorded.recorded) {
      const earlier = recorded.earlier;
      const rollbackExists =
        earlier.rollbackId !== undefined &&
        (await engine.store.getRollback(earlier.rollbackId)) !== undefined;
      const again = retakeReason(earlier, { rollbackExists, watchingHere: this.watching.has(key) });
      if (again === undefined) {
        metrics.autoRollbacks.inc({ outcome: "suppressed" });
        return {
          ...named,
          outcome: "duplicate",
          reason: "this alert occurrence was already decided",
          ...(rollbackExists ? { rollbackId: earlier.rollbackId } : {}),
        };
      }
      log.warn(
        { trigger: trigger.name, fingerprint: alert.fingerprint },
        `alert re-sent; deciding it again: ${again}`,
      );
      await this.store.settleAlertDecision(
        env,
        key,
        {
          outcome: decision.outcome,
          reason: decision.reason,
          at: now,
          ...(decision.rollbackId !== undefined ? { rollbackId: decision.rollbackId } : {}),
        },
        notices,
      );
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
      if (notices !== undefined && notices.length > 0) {
        log.warn(
          { trigger: trigger.name, notices: notices.map((n) => ({ webhookId: n.id, channel: n.label })) },
          `suppressed automatic rollback: notice queued for ${notices.length} channel(s)`,
        );
        engine.notify?.queued();
      }
      return { ...named, outcome: "suppressed", reason: decision.reason };
    }
    // Counted as triggered once its rollback starts (metrics.ts, from the journal).
    const request: PlanRequest = { only: trigger.only ?? [], except: [] };
    const requestedBy = alertRequester(trigger.name, alert);
    if (trigger.action === "watch") {
      log.warn(audit, `alert matched trigger ${trigger.name}: running the watch analysis first`);
      this.watchThenRollback(decision, request, requestedBy);
      return { ...named, outcome: "triggered", reason: "watch analysis started" };
    }
    log.warn(audit, `alert matched trigger ${trigger.name}: rolling back`);
    return { ...named, ...(await this.rollback(decision, request, requestedBy)) };
  }

  /**
   * Starts the decision's rollback under its reserved id. A start that fails, before the
   * rollback exists or by its withdrawal while it waited for the lock (LOCK_BUSY, an
   * interrupted rollback holding the lock), settles the decision failed: a re-send retries it.
   */
  private async rollback(
    decision: AlertDecision,
    request: PlanRequest,
    requestedBy: string,
  ): Promise<Pick<AlertResult, "outcome" | "reason" | "rollbackId">> {
    const failed = async (e: unknown) => {
      const err = toBackoutError(e);
      this.ctx.log.error(
        { trigger: decision.trigger, err: err.toJSON() },
        "automatic rollback did not start",
      );
      await this.store.settleAlertDecision(decision.environment, decision.dedupeKey, {
        outcome: "failed",
        reason: `${err.code}: ${err.message}`,
      });
      return this.ctx.engine.redact(`${err.code}: ${err.message}`);
    };
    const withdrawn = (e: unknown) => {
      if (withdrawsFresh(toBackoutError(e))) this.track(failed(e).then(() => undefined));
    };
    try {
      const started = await this.ctx.runner.run(request, requestedBy, {
        ...(decision.rollbackId !== undefined ? { rollbackId: decision.rollbackId } : {}),
        onFailure: withdrawn,
      });
      return { outcome: "triggered", reason: decision.reason, rollbackId: started.rollbackId };
    } catch (e) {
      return { outcome: "failed", reason: await failed(e) };
    }
  }

  /**
   * The watch runs outside the decision queue; while it runs, a re-send of its alert is a
   * duplicate. Stopped by a shutdown, its decision is left as it was: like after a crash, a
   * re-send to the next server runs the analysis again (its verdict was lost).
   */
  private watchThenRollback(decision: AlertDecision, request: PlanRequest, requestedBy: string): void {
    const { engine, log } = this.ctx;
    const settle = (outcome: "watched" | "failed", reason: string) =>
      this.store.settleAlertDecision(decision.environment, decision.dedupeKey, { outcome, reason });
    const run = async () => {
      const watched = await watchDeploy(engine, {
        noRollback: true,
        checkpointOnPass: false,
        signal: this.stopping.signal,
      });
      if (this.stopping.signal.aborted) return;
      if (watched.verdict !== "failed") {
        log.warn({ trigger: decision.trigger, verdict: watched.verdict }, `no rollback: ${watched.reason}`);
        await settle("watched", `watch: ${watched.reason}; not rolled back`);
        return;
      }
      await this.rollback({ ...decision, reason: `watch: ${watched.reason}` }, request, requestedBy);
    };
    this.watching.add(decision.dedupeKey);
    this.track(
      run()
        .catch(async (e: unknown) => {
          const err = toBackoutError(e);
          log.error({ trigger: decision.trigger, err: err.toJSON() }, "the watch analysis failed");
          if (!this.stopping.signal.aborted) await settle("failed", `watch: ${err.code}: ${err.message}`);
        })
        .finally(() => this.watching.delete(decision.dedupeKey)),
    );
  }

  /** Work outside the decision queue that shutdown waits for. Never rejects. */
  private track(p: Promise<void>): void {
    const tracked: Promise<void> = p
      .catch((e: unknown) =>
        this.ctx.log.error({ err: toBackoutError(e).toJSON() }, "an alert decision was not recorded"),
      )
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /**
   * "Then notify instead": one outbox row per channel that wants auto-rollback-suppressed. The
   * decision has no rollback, so the rows name none (the message names the rollback that
   * caused the suppression, if any); their subject (and so their webhook-id) is
   * this decision's: its dedupe key and the time it was taken.
   */
  private suppressedNotices(decision: AlertDecision, because: AlertDecision | undefined): OutboxMessage[] {
    const { engine } = this.ctx;
    if (!engine.notify) return [];
    const labels = Object.entries(decision.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(", ");
    return engine.notify.compose(
      {
        about: "auto-rollback-suppressed",
        rollbackId: because?.rollbackId ?? "none",
        environment: decision.environment,
        state: "running",
        summary: `alert {${labels}} matched trigger ${decision.trigger}; not rolled back: ${decision.reason}`,
        planHash: "",
        at: decision.at,
      },
      `alert:${decision.environment}:${decision.dedupeKey.slice(0, 16)}:${decision.at}`,
    );
  }
}
