/** Small text formatters shared by reports and progress output, so both read the same. */
import type { SerializedError } from "../core/errors.js";

/** "212 ms", "1 s", "1.2 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(ms: number): string {
  const rounded = Math.max(0, Math.round(ms));
  if (rounded < 1000) return `${rounded} ms`;
  if (rounded < 60_000) {
    const seconds = rounded / 1000;
    return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
  }
  const totalSeconds = Math.round(rounded / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min ${seconds} s`;
}

/** Signed seconds with millisecond precision, as in a timeline: "+1.204s", "-0.050s". */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? "-" : "+";
  return `${sign}${(Math.abs(Math.round(ms)) / 1000).toFixed(3)}s`;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Plan hashes are sha256 hex; twelve characters identify one in human output. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}

/** One line, bounded: messages can be multi-line command output. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s*\r?\n\s*/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function formatErrorShort(error: SerializedError, max = 300): string {
  return oneLine(`${error.code}: ${error.message}`, max);
}

export function listOrNone(items: readonly string[]): string {
  return items.length > 0 ? items.join(", ") : "none";
}
