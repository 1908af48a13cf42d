/**
 * The schema of backout.yaml, built from the provider registry: every component is a
 * discriminated union on `kind` whose branches are the base fields plus that provider's
 * own settings, so validation and the exported JSON Schema both know each kind's fields.
 */
import * as z from "zod";
import type { ComponentConfig, DataLossPolicy, Layer } from "../core/model.js";
import type { ProviderRegistry } from "../core/provider.js";
import type { EnvironmentConfig } from "./types.js";
import { notificationDeliverySchema, notificationsSchema } from "../notify/schema.js";
import { checkSchema } from "../validate/schema.js";
import { triggersSchema } from "../serve/alerts/triggers-config.js";
import { serveSchema, toServeConfig } from "../serve/config.js";
import { VAR_NAME } from "./env-vars.js";
import {
  commandSpec,
  componentName,
  dataLossPolicy,
  duration,
  ENVIRONMENT_NAME,
  layer,
} from "./schema-parts.js";

/** What the file itself holds; the loader adds `file` and `baseDir`. */
export type EnvironmentFileConfig = Omit<EnvironmentConfig, "file" | "baseDir">;

/** Fields every component has, whatever its kind; the rest belong to the provider. */
export const BASE_COMPONENT_KEYS = [
  "kind",
  "layer",
  "dependsOn",
  "compatibility",
  "dataLoss",
  "checks",
] as const;

const compatibilityRule = z
  .object({
    when: z.string().min(1).meta({
      description: 'Version range of this component the rule applies to, e.g. "<2.0.0".',
    }),
    requires: z.record(z.string(), z.string()).meta({
      description: 'Component name → version range it must be in, e.g. { db: "<=41" }.',
    }),
  })
  .strict();

function baseComponent(defaultLayer: Layer) {
  return z.object({
    layer: layer.default(defaultLayer).meta({
      description: `Rollback layer (traffic, app, database, config, cache); default for this kind: ${defaultLayer}.`,
    }),
    dependsOn: z
      .array(z.string())
      .default([])
      .meta({ description: "Components this one needs. Rollback goes dependents first." }),
    compatibility: z.array(compatibilityRule).default([]).meta({
      description:
        "Version constraints between components, used to pull in dependencies on a partial rollback.",
    }),
    dataLoss: dataLossPolicy
      .optional()
      .meta({ description: "Overrides policies.dataLoss for this component." }),
    checks: z.array(checkSchema).default([]).meta({
      description:
        "Health, metric or command checks run in the validation after a rollback that changed this component.",
    }),
  });
}

type ParsedComponent = Omit<ComponentConfig, "name">;

/** Base fields stay at the top; everything else the provider declared goes into `settings`. */
function splitSettings(raw: Record<string, unknown>): ParsedComponent {
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!(BASE_COMPONENT_KEYS as readonly string[]).includes(k)) settings[k] = v;
  }
  return {
    kind: raw.kind as string,
    layer: raw.layer as Layer,
    dependsOn: raw.dependsOn as string[],
    compatibility: raw.compatibility as ComponentConfig["compatibility"],
    dataLoss: raw.dataLoss as DataLossPolicy | undefined,
    checks: (raw.checks ?? []) as ComponentConfig["checks"],
    settings,
  };
}

/** `kinds`: the kinds to build a branch for (default: all); see buildEnvironmentSchema. */
function componentSchema(providers: ProviderRegistry, kinds?: ReadonlySet<string>) {
  const used = [...providers.values()].filter((p) => kinds === undefined || kinds.has(p.kind));
  const branches = used.map((p) => {
    for (const key of Object.keys(p.settingsSchema.shape)) {
      if ((BASE_COMPONENT_KEYS as readonly string[]).includes(key)) {
        throw new Error(`provider "${p.kind}" declares the reserved component field "${key}"`);
      }
    }
    // kind first so it leads in editors and in "allowed fields" lists.
    return z
      .object({ kind: z.literal(p.kind).meta({ description: p.description }) })
      .extend(baseComponent(p.defaultLayer).shape)
      .extend(p.settingsSchema.shape)
      .strict()
      .meta({ title: p.kind, description: p.description });
  });
  const [first, ...rest] = branches;
  const union =
    first === undefined
      ? z.object({ kind: z.never() }).loose()
      : z.discriminatedUnion("kind", [first, ...rest]);
  return union.transform((c) => splitSettings(c as Record<string, unknown>));
}

const store = z
  .object({
    kind: z.literal("sqlite").default("sqlite").meta({ description: "Store kind. Only sqlite for now." }),
    path: z.string().min(1).default(".backout").meta({
      description: "Directory of the store, relative to this file. Default .backout.",
    }),
  })
  .strict()
  .meta({ description: "Where checkpoints, rollbacks, journals and the lock live." });

const retry = z
  .object({
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(3)
      .meta({ description: "Attempts per step (1..10)." }),
    initialInterval: duration({ allowZero: false })
      .prefault("1s")
      .meta({ description: "Wait before the second attempt. Default 1s." }),
    backoffCoefficient: z
      .number()
      .min(1)
      .default(2)
      .meta({ description: "Each wait is this times the last." }),
    maximumInterval: duration({ allowZero: false })
      .prefault("30s")
      .meta({ description: "Longest wait between attempts. Default 30s." }),
  })
  .strict();

const lock = z
  .object({
    lease: duration({ allowZero: false })
      .prefault("15s")
      .meta({ description: "How long a lock holder stays owner without renewing. Default 15s." }),
    waitTimeout: duration({ allowZero: true })
      .prefault("1h")
      .meta({ description: 'How long `run` waits in the queue. "0s" waits forever. Default 1h.' }),
  })
  .strict();

const policies = z
  .object({
    concurrency: z.number().int().min(1).max(256).default(4).meta({
      description: "Steps of independent components that may run at once (1..256). Default 4.",
    }),
    retry: retry.prefault({}).meta({ description: "Attempts and backoff per step." }),
    timeLimit: duration({ allowZero: false })
      .prefault("15m")
      .meta({ description: "Time limit of one rollback, across restarts. Default 15m." }),
    dataLoss: dataLossPolicy.default("confirm"),
    lock: lock.prefault({}).meta({ description: "The one-rollback-at-a-time lock." }),
    escalation: commandSpec.optional().meta({
      description: "Runs once when a rollback escalates; gets a JSON summary on stdin.",
    }),
    emergency: z.array(commandSpec).default([]).meta({
      description: "Run once, in order, when the time limit passes (maintenance page, page a human).",
    }),
    notifications: notificationDeliverySchema.prefault({}),
  })
  .strict();

type PoliciesInput = z.output<typeof policies>;

function toPolicies(p: PoliciesInput): EnvironmentConfig["policies"] {
  return {
    concurrency: p.concurrency,
    retry: {
      maxAttempts: p.retry.maxAttempts,
      initialIntervalMs: p.retry.initialInterval,
      backoffCoefficient: p.retry.backoffCoefficient,
      maximumIntervalMs: p.retry.maximumInterval,
    },
    timeLimitMs: p.timeLimit,
    dataLoss: p.dataLoss,
    lock: { leaseMs: p.lock.lease, waitTimeoutMs: p.lock.waitTimeout },
    escalation: p.escalation,
    emergency: p.emergency,
    notifications: {
      concurrency: p.notifications.concurrency,
      flushMs: p.notifications.flush,
      giveUpAfterMs: p.notifications.giveUpAfter,
    },
  };
}

const monitor = z
  .object({
    interval: duration({ allowZero: false })
      .prefault("5s")
      .meta({ description: "How often the signals are sampled while a rollback runs. Default 5s." }),
    abortThreshold: z.number().min(0).max(1).default(0.5).meta({
      description:
        "The rollback stops dispatching and escalates when the share of failing checks in a sample (failing / all; a check that cannot be judged does not count as failing) is strictly greater than this (0..1). Default 0.5: with two checks, one failing never aborts.",
    }),
    whenBlind: z.enum(["continue", "pause", "abort"]).default("continue").meta({
      description:
        "When no check of a sample can be judged (all `error`: Prometheus down, a bad query): continue (default; warned and notified), pause (stop dispatching; resume later) or abort (stop dispatching and escalate).",
    }),
    checks: z
      .array(checkSchema)
      .min(1)
      .meta({ description: "The signals: health, metric or command checks." }),
  })
  .strict();

const watch = z
  .object({
    interval: duration({ allowZero: false })
      .prefault("30s")
      .meta({ description: "Time between measurements. Default 30s." }),
    count: z
      .number()
      .int()
      .min(1)
      .default(10)
      .meta({ description: "Measurements in one analysis. Default 10." }),
    failureLimit: z.number().int().min(0).default(0).meta({
      description: "Failed measurements tolerated; one more fails the analysis and rolls back. Default 0.",
    }),
    inconclusiveLimit: z.number().int().min(0).default(2).meta({
      description:
        "Measurements that could not be judged tolerated; one more ends the analysis inconclusive. Default 2.",
    }),
    checks: z.array(checkSchema).min(1).meta({ description: "What one measurement checks." }),
  })
  .strict();

/**
 * The schema of backout.yaml with every kind in `providers` (the exported JSON Schema), or,
 * with `kinds`, with the component branches of those kinds only: a file is parsed with the
 * kinds it uses, so no other kind's settings schema is built. A kind outside `kinds` is then
 * refused like an unknown one, so `kinds` must hold every kind the file names.
 */
export function buildEnvironmentSchema(providers: ProviderRegistry, kinds?: ReadonlySet<string>) {
  return z
    .object({
      version: z.literal(1).meta({ description: "Format version of this file. Always 1." }),
      environment: z
        .string()
        .regex(ENVIRONMENT_NAME, {
          error:
            "an environment name must start with a letter or digit and contain only letters, digits, . _ and -",
        })
        .meta({ description: "Name of the environment, e.g. production.", examples: ["production"] }),
      store: store.prefault({}),
      policies: policies
        .prefault({})
        .meta({ description: "Safety limits: attempts, time limit, data loss, lock." }),
      secrets: z
        .array(
          z.string().regex(VAR_NAME, { error: "expected an environment variable name like DB_PASSWORD" }),
        )
        .default([])
        .meta({
          description:
            "Environment variables whose values are secrets, redacted from all output even if unused.",
        }),
      validation: z.array(checkSchema).default([]).meta({
        description:
          "Checks run after every rollback's steps; a failure marks the rollback failed and escalates.",
      }),
      monitor: monitor.optional().meta({ description: "Live monitor sampled while a rollback runs." }),
      watch: watch
        .optional()
        .meta({ description: "`backout watch`: the analysis after a deploy that rolls back when it fails." }),
      notifications: notificationsSchema.default([]).meta({
        description:
          "Slack incoming webhooks and signed webhooks told when a rollback starts, waits, ends or escalates.",
      }),
      serve: serveSchema
        .optional()
        .meta({ description: "`backout serve`: the HTTP API, its tokens and limits." }),
      triggers: triggersSchema.default([]),
      components: z
        .record(componentName, componentSchema(providers, kinds))
        .refine((c) => Object.keys(c).length > 0, { error: "there must be at least one component" })
        .meta({ description: "The things backout rolls back, by name.", minProperties: 1 }),
    })
    .strict()
    .transform((f): EnvironmentFileConfig => ({
      environment: f.environment,
      store: { kind: "sqlite", path: f.store.path },
      policies: toPolicies(f.policies),
      components: Object.entries(f.components).map(([name, c]) => ({ name, ...c })),
      validation: f.validation,
      ...(f.monitor
        ? {
            monitor: {
              intervalMs: f.monitor.interval,
              abortThreshold: f.monitor.abortThreshold,
              whenBlind: f.monitor.whenBlind,
              checks: f.monitor.checks,
            },
          }
        : {}),
      ...(f.watch
        ? {
            watch: {
              intervalMs: f.watch.interval,
              count: f.watch.count,
              failureLimit: f.watch.failureLimit,
              inconclusiveLimit: f.watch.inconclusiveLimit,
              checks: f.watch.checks,
            },
          }
        : {}),
      notifications: f.notifications,
      ...(f.serve ? { serve: toServeConfig(f.serve) } : {}),
      ...(f.triggers.length > 0 ? { triggers: f.triggers } : {}),
    }))
    .meta({ title: "backout environment", description: "The system as backout sees it: backout.yaml." });
}

export type EnvironmentSchema = ReturnType<typeof buildEnvironmentSchema>;
