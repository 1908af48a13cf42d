/**
 * One thing wrong with backout.yaml, first as found (a field path) and then placed in
 * the file (line, column). Several are gathered so one run reports them all; the error
 * thrown carries the first and lists every one in details.problems (all printed by the CLI).
 */
import type { Document, LineCounter } from "yaml";
import { BackoutError, formatLocation, type ErrorCode, type ErrorLocation } from "../core/errors.js";
import type { Redactor } from "./redactor.js";
import { formatPath, locate, type FieldPath } from "./locate.js";

export interface RawProblem {
  code: ErrorCode;
  /** Plain words, without the location (that goes into `where`). */
  message: string;
  hint: string;
  path: FieldPath;
  /** Point at the entry's key (unknown field, bad name) rather than its value. */
  at?: "value" | "key";
}

export interface Problem {
  code: ErrorCode;
  message: string;
  hint: string;
  where: ErrorLocation;
}

export function placeProblem(raw: RawProblem, file: string, doc: Document, lines: LineCounter): Problem {
  const pos = locate(doc, lines, raw.path, raw.at ?? "value");
  const where: ErrorLocation = { file, line: pos.line, column: pos.column, field: formatPath(raw.path) };
  const [top, name] = raw.path;
  if (top === "components" && typeof name === "string") where.component = name;
  return { code: raw.code, message: raw.message, hint: raw.hint, where };
}

function byPosition(a: Problem, b: Problem): number {
  return (a.where.line ?? 0) - (b.where.line ?? 0) || (a.where.column ?? 0) - (b.where.column ?? 0);
}

/** The error for a non-empty list of problems: the first in file order, with all of them in details. */
export function problemsError(problems: Problem[], redactor: Redactor): BackoutError {
  const sorted = [...problems].sort(byPosition);
  const first = sorted[0];
  if (first === undefined) return new BackoutError("INTERNAL", "no configuration problem to report");
  // Redact as a last line of defence: messages are built not to contain resolved values at all.
  // The message is the first problem's own; the CLI prints every one of details.problems.
  return new BackoutError(first.code, redactor.redact(first.message), {
    hint: redactor.redact(first.hint),
    where: first.where,
    details: {
      problems: sorted.map((p) => ({
        code: p.code,
        message: redactor.redact(p.message),
        hint: redactor.redact(p.hint),
        where: p.where,
        at: formatLocation(p.where),
      })),
    },
  });
}
