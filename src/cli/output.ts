import { Redactor } from "../config/redactor.js";
import { formatErrorReport } from "./error-text.js";
import { toBackoutError } from "../core/errors.js";
import { exitCodeForError } from "./exit-codes.js";

/**
 * All CLI output goes through here so secrets are redacted from stdout and stderr alike.
 * The redactor is filled when the environment file is loaded.
 */
export const redactor = new Redactor();

export function out(text: string): void {
  process.stdout.write(redactor.redact(text.endsWith("\n") ? text : `${text}\n`));
}

export function err(text: string): void {
  process.stderr.write(redactor.redact(text.endsWith("\n") ? text : `${text}\n`));
}

export function outJson(value: unknown): void {
  out(JSON.stringify(redactor.redactValue(value), null, 2));
}

/** Prints an error (human or JSON) and returns the exit code it maps to. */
export function reportError(e: unknown, json: boolean): number {
  const error = toBackoutError(e);
  if (json) out(JSON.stringify({ error: redactor.redactValue(error.toJSON()) }));
  else err(formatErrorReport(error));
  return exitCodeForError(error.code);
}

export { table } from "../report/table.js";
