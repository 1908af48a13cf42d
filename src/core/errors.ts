/**
 * Every failure backout reports is a BackoutError: a stable code, what went wrong,
 * where (file/line/field/component/step), what to do about it, and whether trying
 * again may help (Temporal-style failures carry a type and a retryable flag).
 */
/** Every error code, stable: scripts and embedders match on them. */
export const ERROR_CODES = [
  // usage and configuration (exit 2)
  "USAGE",
  "CONFIG_NOT_FOUND",
  "CONFIG_YAML",
  "CONFIG_INVALID",
  "CONFIG_UNKNOWN_KIND",
  "CONFIG_UNKNOWN_DEPENDENCY",
  "CONFIG_CYCLE",
  "CONFIG_ENV_MISSING",
  "CHECKPOINT_NOT_FOUND",
  "CHECKPOINT_INCOMPLETE",
  "NO_GOOD_CHECKPOINT",
  "ROLLBACK_NOT_FOUND",
  "UNKNOWN_COMPONENT",
  "PLAN_INVALID",
  "PLAN_STALE",
  "PLAN_DRIFTED",
  "PLAN_FILE_INVALID",
  "COMPATIBILITY_UNSATISFIABLE",
  "CONFIRMATION_MISMATCH",
  "NESTED_ROLLBACK",
  "ROLLBACK_NOT_RESUMABLE",
  "PG_PRIVILEGE_MISSING",
  // `backout serve` callers (HTTP 401, 403; exit 2), too many requests (HTTP 429; exit 1)
  "AUTH_FAILED",
  "FORBIDDEN",
  "RATE_LIMITED",
  // lock (exit 4)
  "LOCK_BUSY",
  "LOCK_LOST",
  "ROLLBACK_INTERRUPTED",
  // runtime (exit 1)
  "PROVIDER_FAILED",
  // PostgreSQL, by SQLSTATE (src/providers/postgres/errors.ts)
  "PG_UNAVAILABLE",
  "PG_CONNECT_REFUSED",
  "PG_LOCK_TIMEOUT",
  "PG_STATEMENT_TIMEOUT",
  "PG_CONFLICT",
  "PG_STATEMENT_FAILED",
  "PG_CONSTRAINT_VIOLATION",
  "PG_SERVER_ERROR",
  "PG_UNEXPECTED_REPLY",
  "PG_REPLAY_STATE",
  "GIT_PUSH_REFUSED",
  "COMMAND_FAILED",
  "COMMAND_TIMEOUT",
  "HEALTH_CHECK_FAILED",
  "STEP_CANCELLED",
  "STORE_FAILED",
  "STORE_DAMAGED",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  field?: string;
  component?: string;
  step?: string;
}

export interface BackoutErrorOptions {
  /** What to do about it, in one or two sentences addressed to the operator. */
  hint?: string;
  where?: ErrorLocation;
  /** Whether running the same operation again may succeed. */
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class BackoutError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly where: ErrorLocation | undefined;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: BackoutErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BackoutError";
    this.code = code;
    this.hint = options.hint;
    this.where = options.where;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

export interface SerializedError {
  code: ErrorCode;
  message: string;
  hint?: string;
  where?: ErrorLocation;
  retryable: boolean;
  details?: Record<string, unknown>;
}

export function isBackoutError(e: unknown): e is BackoutError {
  return e instanceof BackoutError;
}

/** Turns anything thrown into a BackoutError; unknown errors become INTERNAL (retryable: we cannot tell). */
export function toBackoutError(e: unknown, fallback: ErrorCode = "INTERNAL"): BackoutError {
  if (e instanceof BackoutError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new BackoutError(fallback, message, { cause: e, retryable: true });
}

export function serializeError(e: BackoutError): SerializedError {
  const out: SerializedError = { code: e.code, message: e.message, retryable: e.retryable };
  if (e.hint !== undefined) out.hint = e.hint;
  if (e.where !== undefined) out.where = e.where;
  if (e.details !== undefined) out.details = e.details;
  return out;
}

/** "backout.yaml:12:5 components.api.kind" */
export function formatLocation(where: ErrorLocation | undefined): string {
  if (!where) return "";
  const parts: string[] = [];
  if (where.file) {
    let f = where.file;
    if (where.line !== undefined) f += `:${where.line}`;
    if (where.column !== undefined) f += `:${where.column}`;
    parts.push(f);
  }
  if (where.field) parts.push(`field ${where.field}`);
  if (where.component) parts.push(`component ${where.component}`);
  if (where.step) parts.push(`step ${where.step}`);
  return parts.join(", ");
}

/** The multi-line human form used by the CLI. */
export function formatError(e: BackoutError): string {
  const loc = formatLocation(e.where);
  let text = `error[${e.code}]: ${e.message}`;
  if (loc) text += `\n  at ${loc}`;
  if (e.hint) text += `\n  fix: ${e.hint}`;
  return text;
}
