import { BackoutError, type ErrorLocation } from "../../core/errors.js";

// SQLSTATEs that mean "someone else was in the way" or "the server went away": worth another try.
const LOCK_NOT_AVAILABLE = "55P03";
const QUERY_CANCELED = "57014";
const RETRYABLE_CLASSES = ["08", "40", "53", "57P"];

function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Turns a pg error into a BackoutError: timeouts and lost connections are retryable, SQL errors are not. */
export function failureOf(e: unknown, redact: (t: string) => string, where: ErrorLocation): BackoutError {
  const reason = redact(e instanceof Error ? e.message : String(e));
  const state = sqlState(e);
  if (state === LOCK_NOT_AVAILABLE) {
    return new BackoutError("PROVIDER_FAILED", `lock_timeout: gave up waiting for a lock (${reason})`, {
      where,
      retryable: true,
      details: { sqlState: state },
      hint: "Another session holds a lock on a table the down migration changes (see pg_locks / pg_stat_activity). Let it finish, or raise lockTimeout, then resume.",
    });
  }
  if (state === QUERY_CANCELED) {
    return new BackoutError("PROVIDER_FAILED", `statement_timeout: a statement ran too long (${reason})`, {
      where,
      retryable: true,
      details: { sqlState: state },
      hint: "The down migration took longer than statementTimeout; raise it on the component, or run it in a quieter moment, then resume.",
    });
  }
  const retryable = state === undefined ? isNetwork(e) : RETRYABLE_CLASSES.some((c) => state.startsWith(c));
  return new BackoutError("PROVIDER_FAILED", `PostgreSQL: ${reason}`, {
    where,
    retryable,
    ...(state === undefined ? {} : { details: { sqlState: state } }),
    hint: retryable
      ? "The connection or the server failed; check the database, then resume the rollback."
      : "Fix the statement or the database state it depends on, then resume the rollback.",
  });
}

function isNetwork(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /ECONN|ETIMEDOUT|EPIPE|terminat|Connection/i.test(msg);
}
