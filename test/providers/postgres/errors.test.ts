/**
 * The provider's one classification of PostgreSQL errors (src/providers/postgres/errors.ts), row
 * by row: a SQLSTATE gives a stable code, retryable or not, and a hint; the exit code and HTTP
 * status follow from the code. Errors as pg raises them (an Error with `code`); the same
 * classification is fed errors from a real server in core/pg-errors.test.ts.
 */
import { describe, expect, it } from "vitest";
import { BackoutError, type ErrorCode } from "../../../src/core/errors.js";
import { exitCodeForError } from "../../../src/cli/exit-codes.js";
import {
  connectFailure,
  failureOf,
  pgFailure,
  unexpectedReply,
} from "../../../src/providers/postgres/errors.js";
import { pgTarget } from "../../../src/providers/postgres/connection/url.js";

const pgError = (code: string, message = `error ${code}`): Error =>
  Object.assign(new Error(message), { code });
const where = { component: "db", step: "db#1:migrate-down" };
const classify = (e: unknown): BackoutError => failureOf(e, (t) => t, where);

// SQLSTATE, code, retryable, a word the hint must contain.
const TABLE: [string, ErrorCode, boolean, RegExp][] = [
  ["40001", "PG_CONFLICT", true, /serialization/], // serialization_failure
  ["40P01", "PG_CONFLICT", true, /deadlock/], // deadlock_detected
  ["55006", "PG_CONFLICT", true, /in use/], // object_in_use
  ["55P03", "PG_LOCK_TIMEOUT", true, /lockTimeout/], // lock_not_available
  ["57014", "PG_STATEMENT_TIMEOUT", true, /statementTimeout/], // query_canceled
  ["57P01", "PG_UNAVAILABLE", true, /shutdown/], // admin_shutdown
  ["57P03", "PG_UNAVAILABLE", true, /check the database/], // cannot_connect_now
  ["08006", "PG_UNAVAILABLE", true, /lost connection/], // connection_failure
  ["08001", "PG_UNAVAILABLE", true, /resume the rollback/], // unable to connect
  ["53300", "PG_UNAVAILABLE", true, /out of connections/], // too_many_connections
  ["53400", "PG_LIMIT_REACHED", false, /max_replication_slots/], // configuration_limit_exceeded
  ["57P04", "PG_UNAVAILABLE", false, /dropped/], // database_dropped
  ["42501", "PG_PRIVILEGE_MISSING", false, /Privileges/], // insufficient_privilege
  ["42601", "PG_STATEMENT_FAILED", false, /syntax/], // syntax_error
  ["42P01", "PG_STATEMENT_FAILED", false, /undefined table/], // undefined_table
  ["42703", "PG_STATEMENT_FAILED", false, /column/], // undefined_column
  ["22012", "PG_STATEMENT_FAILED", false, /division by zero/], // division_by_zero
  ["23505", "PG_CONSTRAINT_VIOLATION", false, /unique/], // unique_violation
  ["23503", "PG_CONSTRAINT_VIOLATION", false, /foreign key/], // foreign_key_violation
  ["23514", "PG_CONSTRAINT_VIOLATION", false, /check/], // check_violation
  ["XX000", "PG_SERVER_ERROR", false, /log/], // internal_error
  ["58030", "PG_SERVER_ERROR", false, /storage/], // io_error
  ["28P01", "PG_CONNECT_REFUSED", false, /password/], // invalid_password
  ["3D000", "PG_CONNECT_REFUSED", false, /database name/], // invalid_catalog_name
  ["0A000", "PG_STATEMENT_FAILED", false, /statement/], // feature_not_supported: any other class
];

describe("PostgreSQL errors by SQLSTATE", () => {
  it.each(TABLE)("%s is %s, retryable %s, with a hint", (state, code, retryable, hint) => {
    const e = classify(pgError(state));
    expect(e).toBeInstanceOf(BackoutError);
    expect([e.code, e.retryable]).toEqual([code, retryable]);
    expect(e.hint).toMatch(hint);
    expect(e.where).toEqual(where);
    expect(e.details).toEqual({ sqlState: state });
  });

  it("keeps the message's words: which timeout gave up, and the server's reason", () => {
    expect(classify(pgError("55P03", "canceling statement due to lock timeout")).message).toBe(
      "lock_timeout: gave up waiting for a lock (canceling statement due to lock timeout)",
    );
    expect(classify(pgError("42P01", 'relation "nope" does not exist')).message).toBe(
      'PostgreSQL: relation "nope" does not exist',
    );
  });

  it("says 'run the command again' outside a step, 'resume the rollback' in one", () => {
    expect(failureOf(pgError("08006"), (t) => t, { component: "db" }).hint).toMatch(/run the command again/);
    expect(classify(pgError("08006")).hint).toMatch(/resume the rollback/);
  });

  it("without a SQLSTATE: a network failure retries, anything else is PROVIDER_FAILED and does not", () => {
    const reset = classify(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
    expect([reset.code, reset.retryable]).toEqual(["PG_UNAVAILABLE", true]);
    const lost = classify(new Error("Connection terminated unexpectedly"));
    expect([lost.code, lost.retryable]).toEqual(["PG_UNAVAILABLE", true]);
    const other = classify(new TypeError("x is undefined"));
    expect([other.code, other.retryable]).toEqual(["PROVIDER_FAILED", false]);
  });

  it("a connect: credentials and a missing database are refused for good, the rest may pass", () => {
    const target = pgTarget("postgres://app:secret@127.0.0.1:5999/shop");
    const refused = connectFailure(
      pgError("28P01", "password authentication failed"),
      target,
      target.scrub,
      {},
    );
    expect([refused.code, refused.retryable]).toEqual(["PG_CONNECT_REFUSED", false]);
    const down = connectFailure(
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      target,
      target.scrub,
      {},
    );
    expect([down.code, down.retryable]).toEqual(["PG_UNAVAILABLE", true]);
    expect(down.message + String(down.hint)).not.toContain("secret");
  });

  it("backout's own errors keep their code and gain the place they were met", () => {
    const own = pgFailure(unexpectedReply("the server returned no exported snapshot"), (t) => t, where);
    expect([own.code, own.retryable, own.where]).toEqual(["PG_UNEXPECTED_REPLY", false, where]);
    const placed = new BackoutError("PLAN_INVALID", "x", { where: { file: "a.sql", line: 2 } });
    expect(pgFailure(placed, (t) => t, where)).toBe(placed);
  });

  it("maps to exit codes: a missing privilege is the operator's (2), the rest are run-time failures (1)", () => {
    expect(exitCodeForError("PG_PRIVILEGE_MISSING")).toBe(2);
    for (const [, code] of TABLE.filter(([, c]) => c !== "PG_PRIVILEGE_MISSING")) {
      expect(exitCodeForError(code), code).toBe(1);
    }
  });
});
