import type { EnvironmentConfig } from "../../config/types.js";
import { BackoutError } from "../errors.js";
import type { ComponentConfig, Plan, PlannedConfig } from "../model.js";
import { canonicalJson } from "./hash.js";

export type RedactValue = <T>(value: T) => T;

/** A RedactValue from a text redactor: every string inside the JSON value. */
export function redactValueWith(redact: (text: string) => string): RedactValue {
  return <T>(value: T): T => JSON.parse(redact(JSON.stringify(value))) as T;
}

/**
 * What a plan records of a component's configuration: everything but its name, with secrets
 * already redacted (the plan is journalled, shown and saved to files). It is hashed with the plan.
 */
export function configSnapshot(c: ComponentConfig, redactValue: RedactValue): PlannedConfig {
  const snapshot: PlannedConfig = {
    kind: c.kind,
    layer: c.layer,
    dependsOn: [...c.dependsOn],
    compatibility: c.compatibility,
    dataLoss: c.dataLoss ?? null,
    settings: c.settings,
    checks: c.checks ?? [],
  };
  return redactValue(structuredClone(snapshot));
}

/**
 * The components a plan runs with, as backout.yaml has them now, once each is shown to be the
 * configuration the plan was made (and confirmed) with. A plan is a contract: its steps never run
 * with settings nobody reviewed, so a component whose configuration changed since planning (or
 * that is gone) stops everything with PLAN_STALE, naming the component and the changed fields.
 * Secret values are not in the plan (they are redacted): those come from backout.yaml, which
 * differs from the snapshot only in them. Plans made before snapshots existed use backout.yaml.
 */
export function plannedComponents(
  plan: Plan,
  config: EnvironmentConfig,
  redactValue: RedactValue,
  rollbackId?: string,
): Map<string, ComponentConfig> {
  const out = new Map<string, ComponentConfig>();
  for (const pc of plan.components) {
    const live = config.components.find((c) => c.name === pc.name);
    if (!live) throw stale(plan, pc.name, ["the component was removed from backout.yaml"], rollbackId);
    if (pc.config !== undefined) {
      const changed = changedFields(pc.config, configSnapshot(live, redactValue));
      if (changed.length > 0) throw stale(plan, pc.name, changed, rollbackId);
    }
    out.set(pc.name, live);
  }
  return out;
}

/** Field paths that differ, one level into settings ("settings.apply", "dependsOn"). */
function changedFields(planned: PlannedConfig, now: PlannedConfig): string[] {
  const out: string[] = [];
  const keys = new Set([...Object.keys(planned), ...Object.keys(now)]);
  for (const key of [...keys].sort()) {
    const a = (planned as unknown as Record<string, unknown>)[key];
    const b = (now as unknown as Record<string, unknown>)[key];
    if (key === "settings") {
      const sa = (a ?? {}) as Record<string, unknown>;
      const sb = (b ?? {}) as Record<string, unknown>;
      for (const k of [...new Set([...Object.keys(sa), ...Object.keys(sb)])].sort()) {
        if (canonicalJson(sa[k]) !== canonicalJson(sb[k])) out.push(`settings.${k}`);
      }
    } else if (canonicalJson(a) !== canonicalJson(b)) out.push(key);
  }
  return out;
}

function stale(
  plan: Plan,
  component: string,
  changed: string[],
  rollbackId: string | undefined,
): BackoutError {
  const what = changed.join(", ");
  const fresh = `backout plan --to ${plan.checkpoint.name}`;
  return new BackoutError(
    "PLAN_STALE",
    `the configuration of ${component} changed since plan ${plan.hash.slice(0, 12)} was made (${what}); it will not run with settings nobody reviewed`,
    {
      where: { component, field: changed[0]?.startsWith("settings.") ? changed[0].slice(9) : undefined },
      hint:
        rollbackId === undefined
          ? `Make a fresh plan with the current configuration (\`${fresh}\`), or put backout.yaml back as it was.`
          : `Cancel this rollback (\`backout cancel ${rollbackId}\`) and make a fresh plan (\`${fresh}\`), or put backout.yaml back as it was.`,
      details: { component, changed, planHash: plan.hash },
    },
  );
}
