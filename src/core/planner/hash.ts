import { createHash } from "node:crypto";
import type { Plan } from "../model.js";

/**
 * JSON with object keys sorted at every level and arrays kept in order, so equal data gives equal
 * text whatever order its keys were inserted in. Like JSON.stringify: undefined object members are
 * dropped, undefined array items and non-finite numbers become null.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

/**
 * The plan's content hash: sha256 (hex) of the canonical JSON of everything but `hash`. A person
 * confirming a data-loss step confirms this exact plan, so every field counts.
 */
export function planHash(plan: Omit<Plan, "hash"> | Plan): string {
  const { hash: _hash, ...rest } = plan as Plan;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
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
