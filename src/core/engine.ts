import type { Redactor } from "../config/redactor.js";
import type { EnvironmentConfig } from "../config/types.js";
import type { Store } from "../store/store.js";
import type { CheckRunner, NotificationOutbox } from "./checks.js";
import { systemClock, type Clock } from "./clock.js";
import { BackoutError, toBackoutError } from "./errors.js";
import { currentHolder } from "./holder.js";
import { newId } from "./ids.js";
import { mapLimited } from "./map-limited.js";
import type { Holder } from "./journal-events.js";
import {
  riskText,
  type CheckpointRecord,
  type ComponentConfig,
  type ComponentState,
  type Plan,
} from "./model.js";
import { buildPlan } from "./planner/index.js";
import { asProvider, type Provider, type ProviderContext, type ProviderRegistry } from "./provider.js";

export interface EngineDeps {
  config: EnvironmentConfig;
  store: Store;
  providers: ProviderRegistry;
  redactor: Redactor;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  holder?: Holder;
  /** Runs validation and monitor checks; without it, configured checks cannot run. */
  checks?: CheckRunner;
  /** The notification outbox (Slack, signed webhooks); none configured means none sent. */
  notify?: NotificationOutbox;
}

export interface PlanRequest {
  /** Checkpoint id or name; the last good checkpoint when absent. */
  target?: string;
  only?: string[];
  except?: string[];
}

/**
 * The engine's entry points that change nothing or only add a checkpoint. Running
 * rollbacks lives in rollbacks.ts; both share this object's dependencies.
 */
export class Engine {
  readonly config: EnvironmentConfig;
  readonly store: Store;
  readonly providers: ProviderRegistry;
  readonly redactor: Redactor;
  readonly clock: Clock;
  readonly env: NodeJS.ProcessEnv;
  readonly holder: Holder;
  readonly checks: CheckRunner | undefined;
  readonly notify: NotificationOutbox | undefined;

  constructor(deps: EngineDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.providers = deps.providers;
    this.redactor = deps.redactor;
    this.clock = deps.clock ?? systemClock;
    this.env = deps.env ?? process.env;
    this.holder = deps.holder ?? currentHolder();
    this.checks = deps.checks;
    this.notify = deps.notify;
  }

  redact = (text: string): string => this.redactor.redact(text);

  provider(component: ComponentConfig): Provider<Record<string, unknown>> {
    const p = this.providers.get(component.kind);
    if (!p) {
      throw new BackoutError("CONFIG_UNKNOWN_KIND", `no provider for kind "${component.kind}"`, {
        where: { component: component.name },
        hint: `Known kinds: ${[...this.providers.keys()].join(", ")}.`,
      });
    }
    return asProvider<Record<string, unknown>>(p);
  }

  context(component: ComponentConfig, signal: AbortSignal = new AbortController().signal): ProviderContext {
    return {
      component,
      baseDir: this.config.baseDir,
      env: { ...this.env },
      signal,
      clock: this.clock,
      redact: this.redact,
      dataLossPolicy: component.dataLoss ?? this.config.policies.dataLoss,
    };
  }

  /** Asks every component's provider for its state; any failure fails the whole capture, naming the component. */
  async captureAll(checkpointId?: string): Promise<Record<string, ComponentState>> {
    // Bounded like the steps: 500 components must not open 500 connections at once.
    const stateOf = (c: ComponentConfig): Promise<ComponentState> => {
      const p = this.provider(c);
      // A checkpoint may record more than the state (a restore point, a slot, a dump).
      return checkpointId !== undefined && p.checkpoint
        ? p.checkpoint(this.context(c), checkpointId)
        : p.capture(this.context(c));
    };
    const results = await mapLimited(this.config.components, this.config.policies.concurrency, (c) =>
      stateOf(c).then(
        (state) => ({ status: "fulfilled" as const, value: [c.name, state] as const }),
        (reason: unknown) => ({ status: "rejected" as const, reason }),
      ),
    );
    const out: Record<string, ComponentState> = {};
    const problems: BackoutError[] = [];
    results.forEach((r, i) => {
      const c = this.config.components[i];
      if (!c) return;
      if (r.status === "fulfilled") out[r.value[0]] = this.redactor.redactValue(r.value[1]);
      else {
        const err = toBackoutError(r.reason, "PROVIDER_FAILED");
        problems.push(
          new BackoutError(err.code, `cannot capture ${c.name}: ${err.message}`, {
            where: { ...err.where, component: c.name },
            hint: err.hint ?? "Check the component's settings in backout.yaml and that it is reachable.",
            retryable: err.retryable,
            // The details a hint may point at ("the content in details.example") travel with it.
            ...(err.details === undefined ? {} : { details: err.details }),
          }),
        );
      }
    });
    const first = problems[0];
    if (first) {
      if (problems.length > 1) {
        throw new BackoutError(first.code, `${first.message} (and ${problems.length - 1} more)`, {
          where: first.where,
          hint: first.hint,
          details: { problems: problems.map((p) => p.toJSON()) },
        });
      }
      throw first;
    }
    return out;
  }

  async checkpoint(options: { name?: string; good?: boolean } = {}): Promise<CheckpointRecord> {
    const now = this.clock.now();
    const id = newId("c", now);
    const components = await this.captureAll(id);
    const cp: CheckpointRecord = {
      id,
      name: options.name ?? id,
      environment: this.config.environment,
      createdAt: now,
      good: options.good ?? false,
      markedGoodAt: options.good ? now : undefined,
      components,
    };
    await this.store.saveCheckpoint(cp);
    return cp;
  }

  async markGood(ref: string): Promise<CheckpointRecord> {
    const cp = await this.store.markGood(ref, this.clock.now());
    if (!cp) throw checkpointNotFound(ref);
    return cp;
  }

  async resolveTarget(ref: string | undefined): Promise<CheckpointRecord> {
    if (ref !== undefined) {
      const cp = await this.store.getCheckpoint(ref);
      if (!cp) throw checkpointNotFound(ref);
      return cp;
    }
    const good = await this.store.lastGoodCheckpoint();
    if (!good) {
      throw new BackoutError("NO_GOOD_CHECKPOINT", "there is no checkpoint marked good to roll back to", {
        hint: "Take one before deploying (`backout checkpoint --name before-vX --good`), mark one (`backout mark-good NAME`), or name one with --to.",
      });
    }
    return good;
  }

  /** Builds the plan from the live state; changes nothing. */
  async plan(request: PlanRequest = {}): Promise<Plan> {
    const checkpoint = await this.resolveTarget(request.target);
    const current = await this.captureAll();
    const plan = await buildPlan({
      config: this.config,
      checkpoint,
      current,
      only: request.only ?? [],
      except: request.except ?? [],
      planComponent: (c, cur, tgt) => this.provider(c).plan(this.context(c), cur, tgt),
      satisfies: (c, state, range) => this.provider(c).satisfies?.(state, range),
      wrapComponent: async (c, state) => (await this.provider(c).wrap?.(this.context(c), state)) ?? [],
      redactValue: (v) => this.redactor.redactValue(v),
    });
    this.refuseForbiddenDataLoss(plan);
    return plan;
  }

  private refuseForbiddenDataLoss(plan: Plan): void {
    for (const step of plan.steps) {
      if (!step.risk.dataLoss) continue;
      const c = this.config.components.find((x) => x.name === step.component);
      const policy = c?.dataLoss ?? this.config.policies.dataLoss;
      if (policy === "refuse") {
        throw new BackoutError(
          "PLAN_INVALID",
          `step ${step.id} may lose data and the data-loss policy is "refuse"`,
          {
            where: { component: step.component, step: step.id },
            hint: `Risk: ${riskText(step.risk)}. Set dataLoss: confirm (or archive) on ${step.component} to allow it with a confirmation, or roll back without it (--except ${step.component}).`,
          },
        );
      }
    }
  }
}

function checkpointNotFound(ref: string): BackoutError {
  return new BackoutError("CHECKPOINT_NOT_FOUND", `no checkpoint with id or name "${ref}"`, {
    hint: "List them with `backout checkpoints`.",
  });
}
