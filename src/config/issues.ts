/**
 * Turns zod issues into problems a person can act on: which field, what is wrong
 * (expected vs got) and how to fix it. Values are shown through `show`, which names the
 * variable instead of the value for anything that came from `${VAR}`.
 */
import type { z } from "zod";
import { formatPath, type FieldPath } from "./locate.js";
import type { RawProblem } from "./problems.js";
import { allowedKeys, valueAt } from "./schema-keys.js";
import { closest, didYouMean } from "./suggest.js";

export interface IssueContext {
  schema: z.ZodType;
  /** The data that was validated (after ${VAR} resolution). */
  data: unknown;
  kinds: string[];
  /** A safe description of the value at `path` for a message. */
  show(path: FieldPath): string;
}

type Issue = z.core.$ZodIssue;

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping (key: value)",
  record: "a mapping (key: value)",
  array: "a list",
  null: "nothing",
};

/** `"abc"`, `5`, `a list`, ...; never used for values from variables (see IssueContext.show). */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "an empty value";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return "a list";
  return "a mapping";
}

function quoteAll(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

function where(path: FieldPath): string {
  return path.length === 0 ? "at the top level" : `under ${formatPath(path)}`;
}

function missing(path: FieldPath, expected: string): RawProblem {
  const key = String(path[path.length - 1]);
  const parent = path.slice(0, -1);
  return {
    code: "CONFIG_INVALID",
    message: `${formatPath(path)} is missing (expected ${expected})`,
    hint: `add "${key}:" ${where(parent)}`,
    path,
  };
}

function kindProblem(path: FieldPath, ctx: IssueContext): RawProblem {
  const value = valueAt(ctx.data, path);
  const known = ctx.kinds.join(", ") || "(none registered)";
  if (value === undefined) return missing(path, `one of the kinds: ${known}`);
  if (typeof value !== "string") {
    return {
      code: "CONFIG_INVALID",
      message: `${formatPath(path)} must be a kind name, not ${ctx.show(path)}`,
      hint: `use one of the kinds: ${known}`,
      path,
    };
  }
  const guess = closest(value, ctx.kinds);
  return {
    code: "CONFIG_UNKNOWN_KIND",
    message: `${formatPath(path)}: unknown kind ${ctx.show(path)}${guess ? `; did you mean "${guess}"?` : ""}`,
    hint: `use one of the kinds: ${known}`,
    path,
  };
}

function sizeWords(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === "too_small";
  const bound = small ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  if (issue.origin === "array") {
    return small
      ? `needs at least ${bound} item${bound === 1 ? "" : "s"}`
      : `may have at most ${bound} items`;
  }
  if (issue.origin === "string") {
    return small && bound === 1
      ? "must not be empty"
      : `must be ${small ? "at least" : "at most"} ${bound} characters`;
  }
  if (small) return inclusive ? `must be at least ${bound}` : `must be greater than ${bound}`;
  return inclusive ? `must be at most ${bound}` : `must be less than ${bound}`;
}

/** components.<name>.kind: the discriminator (or, with no providers at all, a never). */
function isKindIssue(issue: Issue): boolean {
  const p = issue.path;
  if (p.length !== 3 || p[0] !== "components" || p[2] !== "kind") return false;
  return (
    (issue.code === "invalid_union" && issue.discriminator === "kind") ||
    (issue.code === "invalid_type" && issue.expected === "never")
  );
}

function fromIssue(issue: Issue, ctx: IssueContext): RawProblem[] {
  const path = issue.path;
  if (isKindIssue(issue)) return [kindProblem(path, ctx)];
  const field = formatPath(path);
  const got = ctx.show(path);
  const invalid = (message: string, hint: string, at?: "key"): RawProblem[] => [
    { code: "CONFIG_INVALID", message, hint, path, ...(at ? { at } : {}) },
  ];
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED[issue.expected] ?? `a ${issue.expected}`;
      if (path.length === 0) {
        return invalid(
          `the file must be a mapping with version, environment and components, not ${got}`,
          "start from the example in the README: version: 1, environment: NAME, components: {...}",
        );
      }
      if (valueAt(ctx.data, path) === undefined) return [missing(path, expected)];
      return invalid(`${field} must be ${expected}, not ${got}`, `write ${expected} for ${field}`);
    }
    case "unrecognized_keys": {
      const allowed = allowedKeys(ctx.schema, ctx.data, path);
      return issue.keys.map((key) => ({
        code: "CONFIG_INVALID" as const,
        message: `unknown field "${key}" ${where(path)}`,
        hint:
          `remove it or fix its spelling.${didYouMean(key, allowed)}` +
          (allowed.length > 0 ? ` Allowed fields: ${allowed.join(", ")}.` : ""),
        path: [...path, key],
        at: "key" as const,
      }));
    }
    case "invalid_union": {
      const branch = closestBranch(issue, valueAt(ctx.data, path));
      if (branch) return branch.flatMap((sub) => fromIssue({ ...sub, path: [...path, ...sub.path] }, ctx));
      return invalid(`${field}: ${issue.message}, not ${got}`, `fix ${field} to match the form described`);
    }
    case "invalid_value": {
      const value = valueAt(ctx.data, path);
      if (value === undefined) return [missing(path, `one of ${quoteAll(issue.values)}`)];
      const guess = typeof value === "string" ? didYouMean(value, issue.values.map(String)) : "";
      const expected =
        issue.values.length === 1 ? quoteAll(issue.values) : `one of ${quoteAll(issue.values)}`;
      return invalid(`${field} must be ${expected}, not ${got}`, `use ${expected}.${guess}`);
    }
    case "too_small":
    case "too_big": {
      const rule = sizeWords(issue);
      return invalid(`${field} ${rule} (got ${got})`, `change ${field}: it ${rule}`);
    }
    case "invalid_key": {
      const reason = issue.issues[0]?.message ?? issue.message;
      return invalid(
        `invalid name "${String(path[path.length - 1])}" ${where(path.slice(0, -1))}`,
        `rename it: ${reason}`,
        "key",
      );
    }
    case "invalid_format":
      return invalid(`${field}: ${issue.message}, not ${got}`, `fix the value of ${field}`);
    case "not_multiple_of":
      return invalid(
        `${field} must be a multiple of ${issue.divisor} (got ${got})`,
        `change ${field} to a multiple of ${issue.divisor}`,
      );
    default:
      return invalid(`${field}: ${issue.message}`, `fix ${field}`);
  }
}

/**
 * For a mapping that matches no form of a union (a webhook channel without its `secret`), the
 * form it was meant to be is the one that knows all its keys, with the fewest problems: its
 * problems say what is missing, where "Invalid input" said nothing.
 */
function closestBranch(issue: Issue, value: unknown): Issue[] | undefined {
  if (issue.code !== "invalid_union" || value === null || typeof value !== "object" || Array.isArray(value))
    return undefined;
  const fitting = issue.errors.filter(
    (branch) => branch.length > 0 && !branch.some((sub) => sub.code === "unrecognized_keys"),
  );
  const best = fitting.sort((a, b) => a.length - b.length)[0];
  return best;
}

export function problemsFromIssues(issues: readonly Issue[], ctx: IssueContext): RawProblem[] {
  return issues.flatMap((issue) => fromIssue(issue, ctx));
}
