/**
 * The human form of an error, showing everything it carries: every problem of a list (one
 * block each, in file order, like a compiler) and the details (an example file to write, the
 * exit code of a tool...), which a hint may point at ("the content in details.example").
 */
import { formatError, formatLocation, type BackoutError, type ErrorCode } from "../core/errors.js";

interface ListedProblem {
  code: ErrorCode;
  message: string;
  hint?: string;
  where?: BackoutError["where"];
  details?: Record<string, unknown>;
}

function isProblem(v: unknown): v is ListedProblem {
  return typeof v === "object" && v !== null && "code" in v && "message" in v;
}

function problemBlock(p: ListedProblem): string {
  const loc = formatLocation(p.where);
  let text = `error[${p.code}]: ${p.message}`;
  if (loc) text += `\n  at ${loc}`;
  if (p.hint) text += `\n  fix: ${p.hint}`;
  const more = p.details === undefined ? "" : detailLines(p.details);
  return more === "" ? text : `${text}\n${more}`;
}

function indent(text: string, by: string): string {
  return text
    .replace(/\n+$/, "")
    .split("\n")
    .map((l) => (l === "" ? "" : `${by}${l}`))
    .join("\n");
}

/** details.<key>: a one-line value inline, a multi-line text or a structure as an indented block. */
function detailLines(details: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(details)) {
    if (value === undefined) continue;
    const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
    if (!text.includes("\n")) lines.push(`  details.${key}: ${text}`);
    else lines.push(`  details.${key}:\n${indent(text, "    ")}`);
  }
  return lines.join("\n");
}

export function formatErrorReport(e: BackoutError): string {
  const { problems, ...rest } = e.details ?? {};
  const listed = Array.isArray(problems) ? problems.filter(isProblem) : [];
  const shown = listed.length > 0 ? rest : (e.details ?? {});
  const more = detailLines(shown);
  if (listed.length <= 1) return more === "" ? formatError(e) : `${formatError(e)}\n${more}`;
  const blocks = listed.map(problemBlock);
  if (more !== "") blocks.push(more);
  blocks.push(`${listed.length} problems found.`);
  return blocks.join("\n\n");
}
