import type { CheckDefinition } from "../core/checks.js";
import type { NotificationChannel } from "../notify/schema.js";
import type { ComponentConfig, DataLossPolicy } from "../core/model.js";
import type { ServeConfig } from "../serve/config.js";
import type { Trigger } from "../serve/alerts/triggers-config.js";

/** Temporal-style retry policy for one step. */
export interface RetryPolicy {
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export interface CommandSpec {
  name: string;
  /** Argument array: program first. Never run through a shell. */
  command: string[];
  timeoutMs: number;
  env: Record<string, string>;
}

export interface Policies {
  /** Steps of independent components that may run at once. */
  concurrency: number;
  retry: RetryPolicy;
  /** Per rollback, counted from the journalled start, across restarts. */
  timeLimitMs: number;
  dataLoss: DataLossPolicy;
  lock: {
    leaseMs: number;
    /** How long `run` waits in the queue before giving up (0: forever). */
    waitTimeoutMs: number;
  };
  /** Runs once when a rollback escalates; gets a JSON summary on stdin. */
  escalation: CommandSpec | undefined;
  /** Runs once, in order, when the time limit passes. */
  emergency: CommandSpec[];
  /** Delivery of the notification outbox (never on the rollback's critical path). */
  notifications?: NotificationDeliveryPolicy;
}

export interface NotificationDeliveryPolicy {
  /** Deliveries in flight at once. */
  concurrency: number;
  /** After a rollback's result is final, how long delivery goes on before the process exits. */
  flushMs: number;
  /** Undelivered this long after the event: given up. */
  giveUpAfterMs: number;
}

export interface StoreConfig {
  kind: "sqlite";
  /** Directory, resolved against the environment file's directory. */
  path: string;
}

export interface EnvironmentConfig {
  /** Absolute path of the file it was loaded from. */
  file: string;
  /** Directory of that file. */
  baseDir: string;
  environment: string;
  store: StoreConfig;
  policies: Policies;
  /** In file order. */
  components: ComponentConfig[];
  /** Checks run after every rollback's steps, besides each component's own `checks`. */
  validation?: CheckDefinition[];
  /** Signals sampled while a rollback runs; past the threshold it stops and escalates. */
  monitor?: MonitorConfig;
  /** The analysis of `backout watch`. */
  watch?: WatchConfig;
  /** Channels (Slack, signed webhooks), validated by the config schema; the CLI builds the notifier. */
  notifications?: NotificationChannel[];
  /** `backout serve`: tokens, TLS, limits (the `serve:` section). */
  serve?: ServeConfig;
  /** Alert-driven rollback (`triggers:`): which firing alerts start which action. */
  triggers?: Trigger[];
}

export interface MonitorConfig {
  intervalMs: number;
  /** Share of failing checks (0..1) strictly above which the rollback is aborted to escalation. */
  abortThreshold: number;
  /** When no check of a sample can be judged; default continue. */
  whenBlind?: "continue" | "pause" | "abort";
  checks: CheckDefinition[];
}

/** Like an Argo Rollouts AnalysisRun: `count` measurements, `interval` apart. */
export interface WatchConfig {
  intervalMs: number;
  count: number;
  /** Failed measurements tolerated; one more fails the analysis (and rolls back). */
  failureLimit: number;
  /** Inconclusive measurements tolerated; one more ends the analysis inconclusive. */
  inconclusiveLimit: number;
  checks: CheckDefinition[];
}
