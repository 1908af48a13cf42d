/**
 * /metrics in Prometheus format. Rollback and step figures come from the journal feed, so a
 * rollback run by the CLI counts the same as one run by the server (from the server's start on).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Engine } from "../core/engine.js";
import type { FeedEntry } from "../store/store.js";
import { ALERT_REQUESTER } from "./alerts/decide.js";

const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export class ServeMetrics {
  readonly registry = new Registry();
  private readonly started = new Map<string, number>();
  private readonly gateWaiting = new Map<string, number>();
  private readonly rollbacks = new Counter({
    name: "backout_rollbacks_total",
    help: "Rollbacks ended, by result (succeeded, failed, escalated, timed-out, cancelled).",
    labelNames: ["result"],
    registers: [this.registry],
  });
  private readonly rollbackSeconds = new Histogram({
    name: "backout_rollback_duration_seconds",
    help: "From a rollback's start to its end.",
    labelNames: ["result"],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly stepSeconds = new Histogram({
    name: "backout_step_duration_seconds",
    help: "One attempt of one step, by outcome.",
    labelNames: ["outcome"],
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly gateSeconds = new Histogram({
    name: "backout_gate_wait_seconds",
    help: "How long a data-loss plan waited for its approval.",
    buckets: SECONDS,
    registers: [this.registry],
  });
  /** Rollbacks an alert requested whose start has not been journalled yet. */
  private readonly alertRequested = new Set<string>();
  readonly autoRollbacks = new Counter({
    name: "backout_auto_rollbacks_total",
    help: "Automatic (alert-driven) rollbacks: triggered (an alert's rollback started) or suppressed (a decision not to: dedupe, cooldown, limit).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  private readonly requests = new Counter({
    name: "backout_api_requests_total",
    help: "API requests by route and status.",
    labelNames: ["method", "route", "status"],
    registers: [this.registry],
  });

  constructor(engine: Engine) {
    const env = engine.config.environment;
    new Gauge({
      name: "backout_queue_depth",
      help: "Rollbacks waiting in the queue for the environment lock.",
      registers: [this.registry],
      async collect() {
        this.set((await engine.store.listQueue(env)).length);
      },
    });
    new Gauge({
      name: "backout_lock_held",
      help: "1 while a rollback holds the environment lock.",
      registers: [this.registry],
      async collect() {
        this.set((await engine.store.getLock(env)) ? 1 : 0);
      },
    });
    new Gauge({
      name: "backout_last_good_checkpoint_age_seconds",
      help: "Seconds since the newest good checkpoint was taken (absent when there is none).",
      registers: [this.registry],
      async collect() {
        const cp = await engine.store.lastGoodCheckpoint();
        this.reset();
        if (cp) this.set((engine.clock.now() - cp.createdAt) / 1000);
      },
    });
    this.autoRollbacks.inc({ outcome: "triggered" }, 0);
    this.autoRollbacks.inc({ outcome: "suppressed" }, 0);
  }

  request(method: string, route: string, status: number): void {
    this.requests.inc({ method, route, status: String(status) });
  }

  /** Folds new journal events into the counters and histograms. */
  observe = (entries: readonly FeedEntry[]): void => {
    for (const { rollbackId, at, event } of entries) {
      switch (event.type) {
        case "queued":
          if (event.requestedBy.startsWith(ALERT_REQUESTER)) this.alertRequested.add(rollbackId);
          break;
        case "started":
          this.started.set(rollbackId, at);
          // Counted when it starts, not when decided: a decision taken again after a failed
          // start (or a withdrawal from the queue) would count twice, a passing watch once.
          if (this.alertRequested.delete(rollbackId)) this.autoRollbacks.inc({ outcome: "triggered" });
          break;
        case "step-succeeded":
          this.stepSeconds.observe({ outcome: "succeeded" }, event.durationMs / 1000);
          break;
        case "step-failed":
          this.stepSeconds.observe({ outcome: "failed" }, event.durationMs / 1000);
          break;
        case "gate-waiting":
          this.gateWaiting.set(rollbackId, at);
          break;
        case "gate-approved": {
          const since = this.gateWaiting.get(rollbackId);
          if (since !== undefined) this.gateSeconds.observe((at - since) / 1000);
          this.gateWaiting.delete(rollbackId);
          break;
        }
        case "finished": {
          this.rollbacks.inc({ result: event.state });
          const since = this.started.get(rollbackId);
          if (since !== undefined) this.rollbackSeconds.observe({ result: event.state }, (at - since) / 1000);
          this.started.delete(rollbackId);
          this.gateWaiting.delete(rollbackId);
          this.alertRequested.delete(rollbackId);
          break;
        }
        default:
          break;
      }
    }
  };
}
