/**
 * The provider's one classification of PostgreSQL errors, by SQLSTATE: whether trying again
 * later can succeed (a connection lost, a serialization failure or deadlock, a lock or
 * statement timeout, the server shutting down or out of resources), whether the server itself
 * is broken, or whether the statement or the data is at fault (syntax, missing object,
 * constraint, type), which no retry fixes.
 */
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { PgTarget } from "./connection/url.js";

export type PgErrorKind =
  /** Someone else was in the way, or the connection/server went away: worth another try. */
  | "transient"
  /** The server failed internally (I/O, corruption, XX class): neither retried nor blamed on the statement. */
  | "server"
  /** The statement or the data it met is wrong (42xxx, 23xxx, 22xxx ...): fix it, do not retry. */
  | "statement";

const LOCK_NOT_AVAILABLE = "55P03";
const QUERY_CANCELED = "57014";
/** Exact SQLSTATEs that are transient although their class is not. */
const TRANSIENT_STATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "40003", // statement_completion_unknown
  LOCK_NOT_AVAILABLE,
  "55006", // object_in_use (a session still on a database being renamed)
  QUERY_CANCELED,
]);
/** Whole classes that are transient: connection exceptions, insufficient resources, operator intervention. */
const TRANSIENT_CLASSES = new Set(["08", "53", "57"]);
const NOT_TRANSIENT = new Set(["57P04"]); // database_dropped: it will not come back by itself
const SERVER_CLASSES = new Set(["58", "XX"]);

export function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The kind of a failure from the pg driver: by SQLSTATE, or (without one) a network error or not. */
export function pgErrorKind(e: unknown): PgErrorKind {
  const state = sqlState(e);
  if (state === undefined) return isNetwork(e) ? "transient" : "statement";
  if (NOT_TRANSIENT.has(state)) return "statement";
  if (TRANSIENT_STATES.has(state) || TRANSIENT_CLASSES.has(state.slice(0, 2))) return "transient";
  if (SERVER_CLASSES.has(state.slice(0, 2))) return "server";
  return "statement";
}

/** Turns a pg error into a BackoutError, retryable exactly when pgErrorKind says transient. */
export function failureOf(e: unknown, redact: (t: string) => string, where: ErrorLocation): BackoutError {
  const reason = redact(e instanceof Error ? e.message : String(e));
  const state = sqlState(e);
  // Only a step belongs to a rollback; plan and checkpoint are simply run again.
  const again = where.step === undefined ? "run the command again" : "resume the rollback";
  if (state === "42501") {
    return new BackoutError("PG_PRIVILEGE_MISSING", `PostgreSQL: ${reason}`, {
      where,
      retryable: false,
      details: { sqlState: state },
      hint: `The database role lacks a privilege (README, "Privileges", lists them per strategy); grant it, then ${again}.`,
    });
  }
  if (state === LOCK_NOT_AVAILABLE) {
    return new BackoutError("PROVIDER_FAILED", `lock_timeout: gave up waiting for a lock (${reason})`, {
      where,
      retryable: true,
      details: { sqlState: state },
      hint: "Another session holds a lock on a table the step changes (see pg_locks / pg_stat_activity). Let it finish, or raise lockTimeout, then resume.",
    });
  }
  if (state === QUERY_CANCELED) {
    return new BackoutError("PROVIDER_FAILED", `statement_timeout: a statement ran too long (${reason})`, {
      where,
      retryable: true,
      details: { sqlState: state },
      hint: "The statement took longer than statementTimeout; raise it on the component, or run it in a quieter moment, then resume.",
    });
  }
  const kind = pgErrorKind(e);
  return new BackoutError("PROVIDER_FAILED", `PostgreSQL: ${reason}`, {
    where,
    retryable: kind === "transient",
    ...(state === undefined ? {} : { details: { sqlState: state } }),
    hint:
      kind === "transient"
        ? `The connection or the server failed, or another session was in the way; check the database, then ${again}.`
        : kind === "server"
          ? "The server reported an internal or I/O error: check its log and storage before resuming."
          : `Fix the statement or the database state it depends on, then ${again}.`,
  });
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

// Authentication and missing-database errors do not fix themselves; network ones may.
const PERMANENT = new Set(["28P01", "28000", "3D000"]);

/** A failed connect as a BackoutError naming the server (never the password) and what to check. */
export function connectFailure(
  e: unknown,
  target: PgTarget,
  redact: (t: string) => string,
  where: ErrorLocation,
): BackoutError {
  const reason = redact(e instanceof Error ? e.message : String(e));
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && PERMANENT.has(code)) {
    return new BackoutError(
      "PROVIDER_FAILED",
      `PostgreSQL at ${target.hostPort} refused the connection to ${target.safeUrl}: ${reason}`,
      {
        where,
        retryable: false,
        hint: "Check the user, password and database name in the component's url (or the ${ENV} variable it comes from).",
      },
    );
  }
  return new BackoutError(
    "PROVIDER_FAILED",
    `cannot connect to PostgreSQL at ${target.hostPort} (${target.safeUrl}): ${reason}`,
    {
      where,
      retryable: true,
      hint: `Check that PostgreSQL is running and reachable from this host at ${target.hostPort} (firewall, listen_addresses, pg_hba.conf), then run the command again (or resume the rollback).`,
    },
  );
}
