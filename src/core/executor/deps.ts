import type { Redactor } from "../../config/redactor.js";
import type { EnvironmentConfig } from "../../config/types.js";
import type { Store } from "../../store/store.js";
import type { CheckRunner, NotificationOutbox } from "../checks.js";
import type { Clock } from "../clock.js";
import type { Holder } from "../journal-events.js";
import type { JournalWriter } from "../journal-writer.js";
import type { Plan, RollbackState } from "../model.js";
import { ACTIVE_ROLLBACK_ENV } from "../nesting.js";
import type { ProviderRegistry } from "../provider.js";
import type { GateOptions } from "./gate.js";

export interface ExecuteDeps {
  config: EnvironmentConfig;
  store: Store;
  providers: ProviderRegistry;
  clock: Clock;
  redact: (text: string) => string;
  /** What `redact` uses; providers add the secrets they find to it. */
  redactor: Redactor;
  journal: JournalWriter;
  holder: Holder;
  epoch: number;
  env?: Record<string, string | undefined>;
  /** Runs health/metric/command checks (validation, monitor); none configured means none run. */
  checks?: CheckRunner;
  notify?: NotificationOutbox;
  /** Throws PLAN_DRIFTED when a component is no longer in the plan's starting state (saved plans). */
  checkDrift?: (plan: Plan) => Promise<void>;
}

export interface ExecuteOptions extends GateOptions {
  resumed: boolean;
  /** Aborting it (a second Ctrl-C) stops dispatching and cancels running steps; the rollback stays resumable. */
  signal?: AbortSignal;
  /** Aborting it (a first Ctrl-C, SIGTERM) stops dispatching and lets running steps finish. */
  drain?: AbortSignal;
  /** Who asked for this run or resume (journalled with `resumed`). */
  requestedBy?: string;
}

export interface RunOutcome {
  rollbackId: string;
  state: RollbackState;
  reason?: string;
  planHash: string;
  /** What the operator must know even when the rollback succeeded (a blind monitor). */
  warnings?: string[];
  /** This process was fenced out: another process resumed the rollback and carries it on. */
  takenOver?: boolean;
}

/** Why dispatching stopped before every step succeeded. */
export type StopReason =
  "escalate" | "monitor" | "paused" | "deadline" | "lock-lost" | "interrupted" | "store-failed";

/** Environment of every child process of a rollback: carries the nesting guard. */
export function childEnv(deps: ExecuteDeps): Record<string, string | undefined> {
  const id = deps.journal.rollbackId;
  return { ...(deps.env ?? process.env), [ACTIVE_ROLLBACK_ENV]: id, BACKOUT_ROLLBACK_ID: id };
}
