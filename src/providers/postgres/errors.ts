/**
 * The provider's one classification of PostgreSQL errors, by SQLSTATE (pg's error.code): a
 * stable error code, whether trying again later can succeed (a connection lost, a serialization
 * failure or deadlock, a lock or statement timeout, the server shutting down or out of
 * resources), whether the server itself is broken, whether one of its settings is too low,
 * or whether the statement or the data is at fault (syntax, missing object, constraint,
 * type), which no retry fixes, and what to do.
 * Every PostgreSQL failure of the provider becomes a BackoutError through pgFailure (a query)
 * or connectFailure (a connect).
 */
import { BackoutError, type ErrorCode, type ErrorLocation } from "../../core/errors.js";
import type { PgTarget } from "./connection/url.js";

export type PgErrorKind =
  /** Someone else was in the way, or the connection/server went away: worth another try. */
  | "transient"
  /** The server failed internally (I/O, corruption, XX class): neither retried nor blamed on the statement. */
  | "server"
  /** A limit set in postgresql.conf was reached: the operator raises it or frees what holds it; not retried. */
  | "setting"
  /** The statement or the data it met is wrong (42xxx, 23xxx, 22xxx ...): fix it, do not retry. */
  | "statement";

/** One row of the classification: what a SQLSTATE (or a whole class of them) means to backout. */
export interface PgErrorClass {
  code: ErrorCode;
  kind: PgErrorKind;
  /** How the message starts: "PostgreSQL", or the setting that gave up ("lock_timeout"). */
  label: string;
  /** What to do; `again` is "resume the rollback" in a step, else "run the command again". */
  hint: (again: string) => string;
}

const row = (
  code: ErrorCode,
  kind: PgErrorKind,
  hint: (again: string) => string,
  label = "PostgreSQL",
): PgErrorClass => ({
  code,
  kind,
  label,
  hint,
});

const CREDENTIALS_HINT =
  "Check the user, password and database name in the component's url (or the ${ENV} variable it comes from).";

const UNAVAILABLE = row(
  "PG_UNAVAILABLE",
  "transient",
  (again) =>
    `The connection or the server failed (lost connection, shutdown, out of connections or resources); check the database, then ${again}.`,
);
const CONFLICT = row(
  "PG_CONFLICT",
  "transient",
  (again) =>
    `Another session was in the way (serialization failure, deadlock, a database in use); ${again}: it runs in a fresh transaction.`,
);
const STATEMENT = row(
  "PG_STATEMENT_FAILED",
  "statement",
  (again) => `Fix the statement or the database state it depends on, then ${again}.`,
);
const SERVER = row(
  "PG_SERVER_ERROR",
  "server",
  () => "The server reported an internal or I/O error: check its log and storage before resuming.",
);

/** Exact SQLSTATEs, looked up before their class. */
export const PG_STATES: Readonly<Record<string, PgErrorClass>> = {
  "42501": row(
    "PG_PRIVILEGE_MISSING",
    "statement",
    (again) =>
      `The database role lacks a privilege (README, "Privileges", lists them per strategy); grant it, then ${again}.`,
  ),
  "55P03": row(
    "PG_LOCK_TIMEOUT",
    "transient",
    () =>
      "Another session holds a lock on a table the step changes (see pg_locks / pg_stat_activity). Let it finish, or raise lockTimeout, then resume.",
    "lock_timeout: gave up waiting for a lock",
  ),
  "57014": row(
    "PG_STATEMENT_TIMEOUT",
    "transient",
    () =>
      "The statement took longer than statementTimeout; raise it on the component, or run it in a quieter moment, then resume.",
    "statement_timeout: a statement ran too long",
  ),
  "40001": CONFLICT, // serialization_failure
  "40P01": CONFLICT, // deadlock_detected
  "40003": CONFLICT, // statement_completion_unknown
  "55006": CONFLICT, // object_in_use (a session still on a database being renamed)
  // database_dropped: it will not come back by itself.
  "57P04": row("PG_UNAVAILABLE", "statement", () => "The database was dropped: check the component's url."),
  // configuration_limit_exceeded (e.g. all replication slots in use): waiting does not free it.
  "53400": row(
    "PG_LIMIT_REACHED",
    "setting",
    (again) =>
      `A limit set in postgresql.conf was reached (e.g. max_replication_slots); raise the setting or free what uses it up, then ${again}.`,
  ),
  "28000": row("PG_CONNECT_REFUSED", "statement", () => CREDENTIALS_HINT),
  "28P01": row("PG_CONNECT_REFUSED", "statement", () => CREDENTIALS_HINT),
  "3D000": row("PG_CONNECT_REFUSED", "statement", () => CREDENTIALS_HINT),
};

/** Whole classes (the SQLSTATE's first two characters). */
export const PG_CLASSES: Readonly<Record<string, PgErrorClass>> = {
  "08": UNAVAILABLE, // connection exception
  "53": UNAVAILABLE, // insufficient resources (too many connections, disk full, out of memory), but 53400
  "57": UNAVAILABLE, // operator intervention (admin shutdown, crash shutdown, cannot connect now)
  "42": row(
    "PG_STATEMENT_FAILED",
    "statement",
    (again) =>
      `The statement is invalid or names something that does not exist (syntax, undefined table, column or function); fix the migration or the database, then ${again}.`,
  ),
  "22": row(
    "PG_STATEMENT_FAILED",
    "statement",
    (again) =>
      `A value does not fit (invalid input, division by zero, out of range); fix the data or the statement, then ${again}.`,
  ),
  "23": row(
    "PG_CONSTRAINT_VIOLATION",
    "statement",
    (again) =>
      `The data breaks a constraint (unique, foreign key, check, not null); fix the data or the statement, then ${again}.`,
  ),
  "58": SERVER, // system error (I/O)
  XX: SERVER, // internal error, data corrupted, index corrupted
};

/** Not from the server: pg's own or the network's failures, and anything else thrown. */
const NETWORK = UNAVAILABLE;
const UNKNOWN = row(
  "PROVIDER_FAILED",
  "statement",
  (again) => `Fix the statement or the database state it depends on, then ${again}.`,
);

export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The row of the classification for a failure from the pg driver (or the network under it). */
export function classifyPgError(e: unknown): PgErrorClass {
  const state = sqlState(e);
  if (state === undefined) return isNetwork(e) ? NETWORK : UNKNOWN;
  return PG_STATES[state] ?? PG_CLASSES[state.slice(0, 2)] ?? STATEMENT;
}

/** The kind of a failure from the pg driver: by SQLSTATE, or (without one) a network error or not. */
export function pgErrorKind(e: unknown): PgErrorKind {
  return classifyPgError(e).kind;
}

/** Turns a pg error into a BackoutError: its code, retryable exactly when the kind is transient. */
export function failureOf(e: unknown, redact: (t: string) => string, where: ErrorLocation): BackoutError {
  const reason = redact(e instanceof Error ? e.message : String(e));
  const state = sqlState(e);
  const c = classifyPgError(e);
  // Only a step belongs to a rollback; plan and checkpoint are simply run again.
  const again = where.step === undefined ? "run the command again" : "resume the rollback";
  return new BackoutError(
    c.code,
    c.label === "PostgreSQL" ? `PostgreSQL: ${reason}` : `${c.label} (${reason})`,
    {
      where,
      retryable: c.kind === "transient",
      ...(state === undefined ? {} : { details: { sqlState: state } }),
      hint: c.hint(again),
    },
  );
}

/**
 * The provider's one way to surface a failure: a BackoutError thrown by backout's own code
 * keeps its code and gains `where` if it has none (a layout's errors do not know the
 * component); anything else (pg, the network) is classified by failureOf.
 */
export function pgFailure(e: unknown, redact: (t: string) => string, where: ErrorLocation): BackoutError {
  if (!(e instanceof BackoutError)) return failureOf(e, redact, where);
  if (e.where !== undefined) return e;
  return new BackoutError(e.code, e.message, {
    where,
    retryable: e.retryable,
    ...(e.hint === undefined ? {} : { hint: e.hint }),
    ...(e.details === undefined ? {} : { details: e.details }),
    cause: e,
  });
}

/** A failed connect as a BackoutError naming the server (never the password) and what to check. */
export function connectFailure(
  e: unknown,
  target: PgTarget,
  redact: (t: string) => string,
  where: ErrorLocation,
): BackoutError {
  const reason = redact(e instanceof Error ? e.message : String(e));
  const c = classifyPgError(e);
  if (c.code === "PG_CONNECT_REFUSED") {
    return new BackoutError(
      c.code,
      `PostgreSQL at ${target.hostPort} refused the connection to ${target.safeUrl}: ${reason}`,
      { where, retryable: false, hint: CREDENTIALS_HINT },
    );
  }
  // Anything else at connect time (a refused port, a timeout, a server starting up) may pass.
  return new BackoutError(
    "PG_UNAVAILABLE",
    `cannot connect to PostgreSQL at ${target.hostPort} (${target.safeUrl}): ${reason}`,
    {
      where,
      retryable: true,
      hint: `Check that PostgreSQL is running and reachable from this host at ${target.hostPort} (firewall, listen_addresses, pg_hba.conf), then run the command again (or resume the rollback).`,
    },
  );
}

function isNetwork(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (
    typeof code === "string" &&
    /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code)
  )
    return true;
  const msg = e instanceof Error ? e.message : String(e);
  // "not queryable": node-postgres's answer on a client whose connection the server already
  // ended (a terminated backend whose FATAL arrived before the query did).
  return /Connection terminated|connection timeout|terminating connection|connection error and is not queryable|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE/i.test(
    msg,
  );
}

/**
 * The server (or wal2json) answered something backout cannot use: no row where one must be,
 * an LSN that is not one, a change outside a transaction. Not retried: the same query will
 * answer the same.
 */
export function unexpectedReply(message: string): BackoutError {
  return new BackoutError("PG_UNEXPECTED_REPLY", message, {
    retryable: false,
    hint: "The server's answer was not what backout expects; check the server's version and log, and report it if the server is fine.",
  });
}

/** The replay's own progress in the restored database disagrees with what this run expects. */
export function replayState(message: string): BackoutError {
  return new BackoutError("PG_REPLAY_STATE", message, {
    retryable: false,
    hint: "Make sure no other backout process works on this rollback (backout status), then resume it; the replay continues from its recorded progress.",
  });
}

/** A broken invariant of backout itself (a caller passed what validation should have refused). */
export function internal(message: string): BackoutError {
  return new BackoutError("INTERNAL", message, {
    retryable: false,
    hint: "This is a bug in backout: report it with the command and the message.",
  });
}
