/**
 * Alert label matchers in Alertmanager's syntax: `name="value"`, `name!="value"`,
 * `name=~"regex"`, `name!~"regex"` (the value may also be unquoted). As in Alertmanager, a
 * regex must match the whole label value, and a label the alert lacks has the value "".
 */
export type MatchOp = "=" | "!=" | "=~" | "!~";

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
  /** The source text, for messages and the JSON answer. */
  text: string;
  test: (labels: Readonly<Record<string, string>>) => boolean;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** A matcher, or the reason the text is not one. */
export function parseMatcher(text: string): LabelMatcher | string {
  const m = MATCHER.exec(text);
  if (!m)
    return `"${text}" is not a matcher: expected label="value", label!="value", label=~"regex" or label!~"regex"`;
  const [, name = "", op = "=", raw = ""] = m;
  let value = raw;
  if (raw.startsWith('"')) {
    try {
      value = JSON.parse(raw) as string;
    } catch {
      return `"${text}": the quoted value is not a complete string`;
    }
    if (typeof value !== "string") return `"${text}": the quoted value is not a string`;
  }
  let test: (v: string) => boolean;
  if (op === "=~" || op === "!~") {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${value})$`, "u");
    } catch (e) {
      return `"${text}": ${(e as Error).message}`;
    }
    test = op === "=~" ? (v) => re.test(v) : (v) => !re.test(v);
  } else {
    test = op === "=" ? (v) => v === value : (v) => v !== value;
  }
  return {
    name,
    op: op as MatchOp,
    value,
    text: text.trim(),
    test: (labels) => test(labels[name] ?? ""),
  };
}

/** True when every matcher accepts the labels (an empty list matches every alert). */
export function matchesAll(
  matchers: readonly LabelMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((m) => m.test(labels));
}
