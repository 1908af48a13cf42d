/**
 * Every failure backout reports is a BackoutError: a stable code, what went wrong,
 * where (file/line/field/component/step), what to do about it, and whether trying
 * again may help (Temporal-style failures carry a type and a retryable flag).
 */
/**
 * Which exit code each error code ends the CLI with (src/cli/exit-codes.ts, EXIT): `usage` (2,
 * nothing was changed), `lockBusy` (4), `failed` (1). The error codes are this record's keys, so
 * a code without an exit code cannot be written.
 */
export type ErrorExit = "usage" | "lockBusy" | "failed";

/** Every error code, stable (scripts and embedders match on them), with its exit code. */
export const ERROR_EXIT = {
  // usage and configuration (exit 2)
  USAGE: "usage",
  CONFIG_NOT_FOUND: "usage",
  CONFIG_YAML: "usage",
  CONFIG_INVALID: "usage",
  CONFIG_UNKNOWN_KIND: "usage",
  CONFIG_UNKNOWN_DEPENDENCY: "usage",
  CONFIG_CYCLE: "usage",
  CONFIG_ENV_MISSING: "usage",
  CHECKPOINT_NOT_FOUND: "usage",
  CHECKPOINT_INCOMPLETE: "usage",
  NO_GOOD_CHECKPOINT: "usage",
  ROLLBACK_NOT_FOUND: "usage",
  UNKNOWN_COMPONENT: "usage",
  PLAN_INVALID: "usage",
  PLAN_STALE: "usage",
  PLAN_DRIFTED: "usage",
  PLAN_FILE_INVALID: "usage",
  COMPATIBILITY_UNSATISFIABLE: "usage",
  CONFIRMATION_MISMATCH: "usage",
  NESTED_ROLLBACK: "usage",
  ROLLBACK_NOT_RESUMABLE: "usage",
  PG_PRIVILEGE_MISSING: "usage",
  // `backout serve` callers (HTTP 401, 403; exit 2), too many requests (HTTP 429; exit 1)
  AUTH_FAILED: "usage",
  FORBIDDEN: "usage",
  RATE_LIMITED: "failed",
  // lock (exit 4)
  LOCK_BUSY: "lockBusy",
  LOCK_LOST: "lockBusy",
  ROLLBACK_INTERRUPTED: "lockBusy",
  // runtime (exit 1)
  PROVIDER_FAILED: "failed",
  // PostgreSQL, by SQLSTATE (src/providers/postgres/errors.ts)
  PG_UNAVAILABLE: "failed",
  PG_CONNECT_REFUSED: "failed",
  PG_LOCK_TIMEOUT: "failed",
  PG_STATEMENT_TIMEOUT: "failed",
  PG_CONFLICT: "failed",
  PG_STATEMENT_FAILED: "failed",
  PG_CONSTRAINT_VIOLATION: "failed",
  PG_SERVER_ERROR: "failed",
  PG_LIMIT_REACHED: "failed",
  PG_UNEXPECTED_REPLY: "failed",
  PG_REPLAY_STATE: "failed",
  GIT_PUSH_REFUSED: "failed",
  COMMAND_FAILED: "failed",
  COMMAND_TIMEOUT: "failed",
  HEALTH_CHECK_FAILED: "failed",
  STEP_CANCELLED: "failed",
  STORE_FAILED: "failed",
  STORE_DAMAGED: "failed",
  INTERNAL: "failed",
} as const satisfies Record<string, ErrorExit>;

export type ErrorCode = keyof typeof ERROR_EXIT;

/** Every error code, stable: scripts and embedders match on them. */
export const ERROR_CODES = Object.keys(ERROR_EXIT) as readonly ErrorCode[];

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
