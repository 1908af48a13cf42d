/**
 * A failed union only says "invalid input". A check's form is known from its key, so the
 * message names that form's first real problem instead ("http check: expectStatus: ...").
 */
import type { z } from "zod";

/** The distinguishing keys, in the order of the union's branches. */
export const CHECK_KEYS = ["http", "tcp", "command", "metric", "integrity"] as const;

const ONE_OF = 'a check needs exactly one of the keys "http", "tcp", "command", "metric" or "integrity"';

interface UnionIssue {
  input?: unknown;
  errors?: z.core.$ZodIssue[][];
}

export function unionMessage(issue: UnionIssue): string {
  const input = issue.input;
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return `${ONE_OF}, e.g. { http: "http://127.0.0.1:8080/health" }`;
  }
  const present = CHECK_KEYS.filter((k) => k in input);
  if (present.length !== 1) {
    const found = present.length === 0 ? "none of them" : present.map((k) => `"${k}"`).join(" and ");
    return `${ONE_OF}; found ${found}`;
  }
  const key = present[0] ?? "http";
  const problems = issue.errors?.[CHECK_KEYS.indexOf(key)] ?? [];
  const first = problems[0];
  if (first === undefined) return `invalid ${key} check`;
  return `${key} check: ${describeIssue(first)}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join(".");
  const message = issue.code === "unrecognized_keys" ? unknownKeys(issue.keys) : issue.message;
  return path === "" ? message : `${path}: ${message}`;
}

function unknownKeys(keys: string[]): string {
  const listed = keys.map((k) => `"${k}"`).join(", ");
  return `unknown field${keys.length === 1 ? "" : "s"} ${listed} (a check has one form: http, tcp, command or metric)`;
}
