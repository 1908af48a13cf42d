import type { Redactor } from "../config/redactor.js";
import type { EnvironmentConfig } from "../config/types.js";
import type { Store } from "../store/store.js";
import type { CheckRunner, NotificationOutbox } from "./checks.js";
import { systemClock, type Clock } from "./clock.js";
import { BackoutError, toBackoutError } from "./errors.js";
import type { Actor } from "./actor.js";
import { auditEvent } from "./checkpoint-audit.js";
import { checkpointNotFound, defaultTarget } from "./checkpoint-targets.js";
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
import { buildPlan, scopeCandidates, type StateMatcher } from "./planner/index.js";
import { providerContext } from "./provider-context.js";
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
  /** The outbox's background delivery: close() lets it finish (bounded by its flush time) first. */
  delivery?: { finish(): Promise<unknown> };
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
  private readonly delivery: { finish(): Promise<unknown> } | undefined;

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
    this.delivery = deps.delivery;
  }

  /**
   * Ends the engine's use of its store: notification delivery finishes first (for at most
   * policies.notifications.flush; what is left is journalled and stays in the outbox), then the
   * store closes. Every command calls this once its work is done.
   */
  async close(): Promise<void> {
    try {
      await this.delivery?.finish();
    } finally {
      await this.store.close();
    }
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

  context(component: ComponentConfig, signal?: AbortSignal): ProviderContext {
    return providerContext({
      config: this.config,
      component,
      redactor: this.redactor,
      clock: this.clock,
      env: this.env,
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * Asks the components' providers (all, or the given ones) for their state; any failure fails
   * the whole capture, naming the component.
   */
  async captureAll(
    checkpointId?: string,
    components: ComponentConfig[] = this.config.components,
  ): Promise<Record<string, ComponentState>> {
    const { states, problems } = await this.captureEach(checkpointId, components);
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
    return states;
  }

  /** Each component's state, or the problem (naming it) that kept it from being read. */
  async captureEach(
    checkpointId: string | undefined,
    components: ComponentConfig[],
  ): Promise<{ states: Record<string, ComponentState>; problems: BackoutError[] }> {
    // Bounded like the steps: 500 components must not open 500 connections at once.
    const stateOf = (c: ComponentConfig): Promise<ComponentState> => {
      const p = this.provider(c);
      // A checkpoint may record more than the state (a restore point, a slot, a dump).
      return checkpointId !== undefined && p.checkpoint
        ? p.checkpoint(this.context(c), checkpointId)
        : p.capture(this.context(c));
    };
    const results = await mapLimited(components, this.config.policies.concurrency, (c) =>
      stateOf(c).then(
        (state) => ({ status: "fulfilled" as const, value: [c.name, state] as const }),
        (reason: unknown) => ({ status: "rejected" as const, reason }),
      ),
    );
    const out: Record<string, ComponentState> = {};
    const problems: BackoutError[] = [];
    results.forEach((r, i) => {
      const c = components[i];
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
    return { states: out, problems };
  }

  /**
   * Records every component's state. A component that cannot be read fails the checkpoint,
   * naming it, unless allowPartial: then the checkpoint records which ones it lacks and why, and
   * plans that need them are refused. `by`: who takes it, for the checkpoint audit (default: this
   * process, via library).
   */
  async checkpoint(
    options: { name?: string; good?: boolean; allowPartial?: boolean; by?: Actor } = {},
  ): Promise<CheckpointRecord> {
    const now = this.clock.now();
    const id = newId("c", now);
    let components: Record<string, ComponentState>;
    let unreadable: Record<string, string> | undefined;
    if (options.allowPartial) {
      const each = await this.captureEach(id, this.config.components);
      components = each.states;
      if (each.problems.length > 0)
        unreadable = Object.fromEntries(each.problems.map((p) => [p.where?.component ?? "?", p.message]));
    } else {
      try {
        components = await this.captureAll(id);
      } catch (e) {
        const err = toBackoutError(e);
        throw new BackoutError(err.code, `checkpoint not taken: ${err.message}`, {
          where: err.where,
          hint: `${err.hint ?? ""} To record the others now, run it with --allow-partial (plans that need the missing component are then refused).`.trim(),
          retryable: err.retryable,
          ...(err.details === undefined ? {} : { details: err.details }),
        });
      }
    }
    const cp: CheckpointRecord = {
      id,
      name: options.name ?? id,
      environment: this.config.environment,
      createdAt: now,
      good: options.good ?? false,
      markedGoodAt: options.good ? now : undefined,
      components,
      ...(unreadable === undefined ? {} : { unreadable }),
    };
    const details = {
      name: cp.name,
      good: cp.good,
      ...(unreadable === undefined ? {} : { unreadable: Object.keys(unreadable) }),
    };
    await this.store.saveCheckpoint(cp, auditEvent(this, options.by, details));
    return cp;
  }

  /**
   * Marks a checkpoint good; `isDefault` says whether it is now the default rollback target.
   * `by`: who, for the checkpoint audit (written with the mark).
   */
  async markGood(
    ref: string,
    by?: Actor,
  ): Promise<{ checkpoint: CheckpointRecord; isDefault: boolean; target?: CheckpointRecord }> {
    const event = auditEvent(this, by);
    const cp = await this.store.markGood(ref, event.at, event);
    if (!cp) throw await checkpointNotFound(this.store, ref);
    const { target } = await defaultTarget(this.store);
    return { checkpoint: cp, isDefault: target?.id === cp.id, ...(target ? { target } : {}) };
  }

  /** Takes the good mark away: the checkpoint stays (and `--to` still reaches it). */
  async unmarkGood(
    ref: string,
    by?: Actor,
  ): Promise<{ checkpoint: CheckpointRecord; wasGood: boolean; target?: CheckpointRecord }> {
    const before = await this.store.getCheckpoint(ref);
    if (!before) throw await checkpointNotFound(this.store, ref);
    const cp = (await this.store.unmarkGood(before.id, auditEvent(this, by))) ?? before;
    const { target } = await defaultTarget(this.store);
    return { checkpoint: cp, wasGood: before.good, ...(target ? { target } : {}) };
  }

  async resolveTarget(ref: string | undefined): Promise<CheckpointRecord> {
    if (ref !== undefined) {
      const cp = await this.store.getCheckpoint(ref);
      if (!cp) throw await checkpointNotFound(this.store, ref);
      return cp;
    }
    const { target, passedOver } = await defaultTarget(this.store);
    if (!target) {
      const passed = passedOver.map((p) => `${p.checkpoint.name} (passed over by rollback ${p.rollbackId})`);
      throw new BackoutError("NO_GOOD_CHECKPOINT", "there is no checkpoint marked good to roll back to", {
        hint:
          (passed.length > 0 ? `Good but rolled away from: ${passed.join(", ")}. ` : "") +
          "Take one before deploying (`backout checkpoint --name before-vX --good`), mark one (`backout mark-good NAME`), or name one with --to.",
      });
    }
    return target;
  }

  /**
   * Builds the plan from the live state; changes nothing. Reads only the components in scope and
   * those their compatibility rules name (a database outside `--only web` may be down).
   */
  async plan(request: PlanRequest = {}): Promise<Plan> {
    const checkpoint = await this.resolveTarget(request.target);
    const only = request.only ?? [];
    const except = request.except ?? [];
    const satisfies: StateMatcher = (c, state, range) => this.provider(c).satisfies?.(state, range);
    const names = new Set(
      scopeCandidates({
        components: this.config.components,
        target: checkpoint.components,
        only,
        except,
        satisfies,
      }),
    );
    refuseUnreadable(checkpoint, names);
    const current = await this.captureAll(
      undefined,
      this.config.components.filter((c) => names.has(c.name)),
    );
    try {
      const plan = await buildPlan({
        config: this.config,
        checkpoint,
        current,
        only,
        except,
        planComponent: (c, cur, tgt) => this.provider(c).plan(this.context(c), cur, tgt),
        satisfies,
        wrapComponent: async (c, state) => (await this.provider(c).wrap?.(this.context(c), state)) ?? [],
        redactValue: (v) => this.redactor.redactValue(v),
      });
      this.assertDataLossAllowed(plan);
      return plan;
    } catch (e) {
      throw aboutTarget(toBackoutError(e), checkpoint);
    }
  }

  /** The data-loss policy `refuse` stops a plan with a data-loss step before anything is recorded. */
  assertDataLossAllowed(plan: Plan): void {
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

/** A planning error names the checkpoint it planned towards: "rolling back to v2-good: ...". */
function aboutTarget(err: BackoutError, cp: CheckpointRecord): BackoutError {
  if (err.message.includes(`checkpoint ${cp.name}`)) return err;
  return new BackoutError(err.code, `rolling back to checkpoint ${cp.name} (${cp.id}): ${err.message}`, {
    hint: err.hint,
    where: err.where,
    retryable: err.retryable,
    details: { ...err.details, checkpoint: { id: cp.id, name: cp.name } },
    cause: err,
  });
}

/** A plan never rolls a component back to a state its (partial) checkpoint could not read. */
function refuseUnreadable(cp: CheckpointRecord, needed: ReadonlySet<string>): void {
  const missing = Object.entries(cp.unreadable ?? {}).filter(([name]) => needed.has(name));
  const first = missing[0];
  if (!first) return;
  const names = missing.map(([n]) => n);
  throw new BackoutError(
    "CHECKPOINT_INCOMPLETE",
    `checkpoint ${cp.name} (${cp.id}) was taken with --allow-partial and has no state for ${names.join(", ")}: ${first[1]}`,
    {
      where: { component: first[0] },
      hint: `Leave ${names.length > 1 ? "them" : "it"} out (--except ${names.join(",")}) or roll back to a checkpoint that has ${names.length > 1 ? "them" : "it"} (--to).`,
      details: { checkpoint: { id: cp.id, name: cp.name }, unreadable: Object.fromEntries(missing) },
    },
  );
}
