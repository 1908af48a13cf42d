/**
 * Captured values travel to the server as text, cast there to the restored column's type: one
 * text[] parameter per column lets a single statement carry a whole run of rows.
 */

/** wal2json gives numbers, booleans, strings and null (json columns may arrive parsed). */
export function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return String(value);
  }
  return toJson(value);
}

/** JSON text that also survives bigint values (kept as decimal strings). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** An integer value as bigint (for advancing sequences), or undefined when it is not one. */
export function toInteger(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d{1,19}$/.test(value)) return BigInt(value);
  return undefined;
}
