import semver from "semver";
import { BackoutError } from "../errors.js";

/**
 * Does a captured version satisfy a compatibility range?
 *
 * Three forms, tried in order:
 * - numeric comparators (`<=41`, `>=40 <42`, `=41`, `41`, `<40 || >45`) against an all-digit version
 *   (migration numbers, timestamps like 20240101120000): compared as BigInt, so long numbers and
 *   leading zeros are exact;
 * - semver ranges (`<2.0.0`, `^1.4`, `1.x`) against a version that looks like one (`2.1.0`, `v2.1`,
 *   `release-2.1.0`), coerced with semver. Prereleases are ordered, not excluded: `2.0.0-rc.1`
 *   satisfies `<2.0.0`, because a rule is about "older than", not about release channels;
 * - anything else without an operator (a git commit, a release name) must be equal.
 */
export function versionSatisfies(version: string, range: string): boolean {
  const trimmed = range.trim();
  // semver reads "" as "*"; in a rule an empty range is a mistake, not "anything".
  if (trimmed === "") throw invalidRange(range);
  if (trimmed === "*") return true;
  const numeric = parseNumericRange(trimmed);
  if (numeric !== undefined && DIGITS.test(version)) {
    const v = BigInt(version);
    return numeric.some((set) => set.every((c) => compare(v, c)));
  }
  if (semver.validRange(trimmed, SEMVER_OPTIONS) !== null) {
    const coerced = looksLikeSemver(version) ? semver.coerce(version, SEMVER_OPTIONS) : null;
    if (coerced !== null) return semver.satisfies(coerced, trimmed, SEMVER_OPTIONS);
    // Not a version at all (a commit, say): only an exact match can satisfy it.
    return version === trimmed;
  }
  if (!OPERATOR.test(trimmed)) return version === trimmed;
  throw invalidRange(range);
}

/** Throws PLAN_INVALID when `range` cannot be understood; used to check rules before planning. */
export function assertValidRange(range: string): void {
  versionSatisfies("0", range);
}

type Op = "<" | "<=" | ">" | ">=" | "=";
interface Comparator {
  op: Op;
  value: bigint;
}

const DIGITS = /^\d+$/;
const OPERATOR = /[<>=^~|*\s]/;
const COMPARATOR = /^(<=|>=|<|>|=)?(\d+)$/;
const SEMVER_OPTIONS = { includePrerelease: true, loose: false } as const;
// "2.1.0", "v2.1", "release-2.1.0-rc.1": a version number, optionally after a word prefix.
// Stricter than semver.coerce, which would read the "1" in a commit like "a1b2c3d" as 1.0.0.
const SEMVER_LIKE = /^(?:[A-Za-z][\w.]*[-_@])?[vV=]?\d+(?:\.\d+){0,2}(?:[-+][0-9A-Za-z.+-]*)?$/;

function looksLikeSemver(version: string): boolean {
  return SEMVER_LIKE.test(version);
}

/** `>=40 <42 || =50` → [[>=40, <42], [=50]]; undefined when it is not purely numeric. */
function parseNumericRange(range: string): Comparator[][] | undefined {
  const sets: Comparator[][] = [];
  for (const part of range.split("||")) {
    // Allow "<= 41" as well as "<=41".
    const tokens = part
      .trim()
      .replace(/(<=|>=|<|>|=)\s+/g, "$1")
      .split(/\s+/)
      .filter((t) => t !== "");
    if (tokens.length === 0) return undefined;
    const set: Comparator[] = [];
    for (const token of tokens) {
      const m = COMPARATOR.exec(token);
      if (!m || m[2] === undefined) return undefined;
      set.push({ op: (m[1] ?? "=") as Op, value: BigInt(m[2]) });
    }
    sets.push(set);
  }
  return sets;
}

function compare(v: bigint, c: Comparator): boolean {
  switch (c.op) {
    case "<":
      return v < c.value;
    case "<=":
      return v <= c.value;
    case ">":
      return v > c.value;
    case ">=":
      return v >= c.value;
    case "=":
      return v === c.value;
  }
}

function invalidRange(range: string): BackoutError {
  return new BackoutError("PLAN_INVALID", `invalid version range ${JSON.stringify(range)}`, {
    hint:
      'use a migration-number comparator ("<=41", "<42", ">=40 <42", "=41", "41"), ' +
      'a semver range ("<2.0.0", "^1.4", "1.x"), or an exact version without operators (a commit)',
    details: { range },
  });
}
