/**
 * `triggers:` in backout.yaml: which Alertmanager alerts start an automatic rollback, and the
 * limits on automatic rollbacks (`serve.autoRollback`). The matchers are parsed when the file
 * is loaded, so a bad regex is a config error naming the field, not a failure mid-incident.
 */
import * as z from "zod";
import { componentName, duration } from "../../config/schema-parts.js";
import { parseMatcher, type LabelMatcher } from "./matchers.js";

const matcher = z
  .string()
  .transform((text, ctx): LabelMatcher => {
    const m = parseMatcher(text);
    if (typeof m === "string") {
      ctx.issues.push({ code: "custom", input: text, message: m });
      return z.NEVER;
    }
    return m;
  })
  .meta({
    description:
      'An Alertmanager label matcher: label="value", label!="value", label=~"regex" or label!~"regex" (regexes match the whole value).',
    examples: ['alertname="HighErrorRate"', 'severity=~"critical|page"'],
  });

const trigger = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: "a trigger name is letters, digits and . _ -" })
      .meta({ description: "Names the trigger in the journal (requestedBy alert:NAME), logs and metrics." }),
    match: z.array(matcher).min(1).meta({
      description: "Every matcher must accept a firing alert's labels for this trigger to act on it.",
    }),
    action: z.enum(["rollback", "watch"]).meta({
      description:
        "rollback: roll back to the last good checkpoint at once. watch: run the `watch:` analysis first and roll back only if it fails.",
    }),
    only: z.array(componentName).min(1).optional().meta({
      description: "Roll back only these components (and what they need); default: every component.",
    }),
    cooldown: duration({ allowZero: true }).prefault("10m").meta({
      description: "After this trigger acted, its alerts are suppressed for this long. Default 10m.",
    }),
  })
  .strict();

export const triggersSchema = z
  .array(trigger)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((t, i) => {
      if (seen.has(t.name))
        ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate trigger name "${t.name}"` });
      seen.add(t.name);
    });
  })
  .meta({
    description:
      "Alert-driven rollback: POST /api/v1/alerts/alertmanager maps firing alerts to an action. The first trigger whose matchers all accept an alert acts on it.",
  });

export type Trigger = z.output<typeof trigger>;

export const autoRollbackSchema = z
  .object({
    maxRollbacks: z.number().int().min(0).default(3).meta({
      description:
        "At most this many automatic rollbacks per window; past it, alerts are suppressed and notified instead. Default 3.",
    }),
    window: duration({ allowZero: false }).prefault("1h").meta({ description: "Default 1h." }),
  })
  .strict()
  .prefault({})
  .meta({ description: "The limit on alert-driven rollbacks (see `triggers:`)." });

export interface AutoRollbackLimit {
  maxRollbacks: number;
  windowMs: number;
}
