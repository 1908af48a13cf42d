import { createHash } from "node:crypto";
import type { ComponentState, Plan, PlannedStep, Risk } from "../model.js";

/**
 * JSON with object keys sorted at every level and arrays kept in order, so equal data gives equal
 * text whatever order its keys were inserted in. Like JSON.stringify: undefined object members are
 * dropped, undefined array items and non-finite numbers become null.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

/**
 * The plan's content hash: sha256 (hex) of the canonical JSON of hashedContent(plan). A person
 * confirming a data-loss step confirms this content: what every step will execute and what it may
 * lose. Live measurements are left out (the rule is written out in model.ts), so the hash does not
 * move while an application writes.
 */
export function planHash(plan: Omit<Plan, "hash"> | Plan): string {
  return createHash("sha256")
    .update(canonicalJson(hashedContent(plan)))
    .digest("hex");
}

/**
 * The plan without what is only shown: `hash` itself, `estimateMs` (plan and steps), and every
 * `measured` member (of states, steps and risks) plus `risk.rowsAtRisk`. Everything else is hashed,
 * including fields added later: leaving a field out of the hash is a decision made here.
 */
export function hashedContent(plan: Omit<Plan, "hash"> | Plan): unknown {
  const { hash: _hash, estimateMs: _estimate, ...rest } = plan as Plan;
  return {
    ...rest,
    components: rest.components.map((c) => ({ ...c, from: stableState(c.from), to: stableState(c.to) })),
    steps: rest.steps.map(stableStep),
  };
}

function stableStep(step: PlannedStep): unknown {
  const { estimateMs: _estimate, measured: _measured, risk, target, ...rest } = step;
  return { ...rest, risk: stableRisk(risk), target: stableState(target) };
}

function stableRisk(risk: Risk): unknown {
  const { measured: _measured, rowsAtRisk: _rows, ...rest } = risk;
  return rest;
}

function stableState(state: ComponentState): unknown {
  const { measured: _measured, ...rest } = state;
  return rest;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  // Dates, buffers and the like keep their own JSON form.
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
