/**
 * Durations in backout.yaml: a number of seconds, or a string of number+unit parts
 * ("500ms", "30s", "15m", "1h30m", "1.5h"). Everything inside backout is milliseconds.
 */

/**
 * The longest duration backout.yaml accepts (7 days), for every duration field. Far below the
 * 2^31-1 ms a Node timer can hold, so no configured wait can overflow into "fire at once".
 */
export const MAX_DURATION_MS = 7 * 86_400_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The accepted string forms, also used as the JSON Schema pattern. */
export const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?|(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+)$/;

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Milliseconds, or undefined when `value` is not a duration. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  }
  const text = value.trim();
  if (!DURATION_PATTERN.test(text)) return undefined;
  // A bare number in a string means seconds, like a YAML number (useful with ${VAR}).
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  let ms = 0;
  for (const m of text.matchAll(PART)) {
    const unit = UNIT_MS[m[2] ?? ""];
    if (unit === undefined) return undefined;
    ms += Number(m[1]) * unit;
  }
  return Math.round(ms);
}

/** Milliseconds of a provider's duration setting (`durationSetting`: validated, so never undefined in practice). */
export function durationMs(value: number | string): number {
  return parseDuration(value) ?? 0;
}

/** The shortest readable form: 0 → "0s", 90000 → "1m30s", 1500 → "1.5s", 250 → "250ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms}ms`;
  if (ms === 0) return "0s";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms);
  let out = "";
  const hours = Math.floor(rest / 3_600_000);
  if (hours > 0) out += `${hours}h`;
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  if (minutes > 0) out += `${minutes}m`;
  rest -= minutes * 60_000;
  if (rest > 0) out += `${rest / 1000}s`;
  return out;
}
