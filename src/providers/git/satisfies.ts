import type { ComponentState } from "../../core/model.js";

/**
 * Compatibility ranges for git components, answered from the captured details alone (the
 * planner never runs git):
 *   `<=TAG`  HEAD at or before TAG        (TAG ∈ tagsContaining)
 *   `<TAG`   strictly before TAG          (contained, and HEAD is not the tag's commit)
 *   `>=TAG`  HEAD at or after TAG         (TAG ∈ tagsMerged)
 *   `>TAG`   strictly after TAG
 *   `=TAG`, `TAG`   HEAD is the tag's commit (describe equals TAG, or both lists hold it)
 *   `=abc123`, `abc123`  HEAD's sha starts with the prefix (4+ hex digits)
 * Space-separated comparators must all hold; `||` separates alternatives.
 * Returns undefined for a range it does not understand, or a state without tag lists.
 */
export function gitSatisfies(state: ComponentState, range: string): boolean | undefined {
  const facts = factsOf(state);
  if (facts === undefined) return undefined;
  const alternatives = range.split("||").map((alt) =>
    alt
      .trim()
      .replace(/(<=|>=|<|>|=)\s+/g, "$1") // "<= v1.4" reads as "<=v1.4"
      .split(/\s+/)
      .filter((t) => t !== ""),
  );
  if (alternatives.some((alt) => alt.length === 0)) return undefined;
  let any = false;
  for (const alt of alternatives) {
    let all = true;
    for (const token of alt) {
      const verdict = comparator(facts, token);
      if (verdict === undefined) return undefined;
      all &&= verdict;
    }
    any ||= all;
  }
  return any;
}

interface Facts {
  sha: string;
  describe: string | undefined;
  containing: ReadonlySet<string>;
  merged: ReadonlySet<string>;
}

const COMPARATOR = /^(<=|>=|<|>|=)?(.+)$/;
// A tag name as git allows it (roughly): no spaces, no ~^:?*[\, not starting with "-" or an operator.
const TAG = /^(?![-<>=])[^\s~^:?*[\\]+$/;
const SHA_PREFIX = /^[0-9a-f]{4,64}$/i;

function comparator(f: Facts, token: string): boolean | undefined {
  const m = COMPARATOR.exec(token);
  const op = m?.[1] ?? "=";
  const name = m?.[2];
  if (name === undefined || !TAG.test(name) || name.includes("..")) return undefined;
  const at = f.describe === name || (f.containing.has(name) && f.merged.has(name));
  switch (op) {
    case "<=":
      return f.containing.has(name);
    case "<":
      return f.containing.has(name) && !at;
    case ">=":
      return f.merged.has(name);
    case ">":
      return f.merged.has(name) && !at;
    default:
      return at || (SHA_PREFIX.test(name) && f.sha.startsWith(name.toLowerCase()));
  }
}

function factsOf(state: ComponentState): Facts | undefined {
  const d = state.details;
  if (d === undefined) return undefined;
  const containing = stringList(d.tagsContaining);
  const merged = stringList(d.tagsMerged);
  if (containing === undefined || merged === undefined) return undefined;
  return {
    sha: state.version.toLowerCase(),
    describe: typeof d.describe === "string" ? d.describe : undefined,
    containing: new Set(containing),
    merged: new Set(merged),
  };
}

function stringList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.every((x): x is string => typeof x === "string") ? v : undefined;
}
