/**
 * One classification of PostgreSQL errors by SQLSTATE, fed with errors a real server raises:
 * a lost connection, a serialization failure, a deadlock, a lock or statement timeout are worth
 * another try; a missing table, a unique violation, a syntax error are not. Before, any error
 * the restore did not know became "retryable" through a catch-all.
 */
import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { failureOf, pgErrorKind } from "../../../../src/providers/postgres/errors.js";
import { isChangeError } from "../../../../src/providers/postgres/strategies/restore/replay/apply-items.js";
import { type PgCluster, startPostgres } from "../../../support/postgres.js";
import { expectBackoutError, tempDir } from "../../fixtures.js";
import { migrateUp, pgCtx, writeDbmate } from "./pg-fixture.js";

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
  await cluster.sql("CREATE TABLE t (id int PRIMARY KEY, v int)");
  await cluster.sql("INSERT INTO t VALUES (1, 0), (2, 0)");
});
afterAll(async () => {
  await cluster?.stop();
});

const caught = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

async function twoSessions<T>(fn: (a: pg.Client, b: pg.Client) => Promise<T>): Promise<T> {
  const a = await cluster.connect();
  const b = await cluster.connect();
  a.on("error", () => undefined);
  b.on("error", () => undefined);
  try {
    return await fn(a, b);
  } finally {
    await a.end().catch(() => undefined);
    await b.end().catch(() => undefined);
  }
}

describe("pgErrorKind / failureOf", () => {
  it("statement errors from a real server are not retryable, and are the change's fault in a replay", async () => {
    const db = await cluster.connect();
    try {
      for (const sql of ["SELECT * FROM nope", "INSERT INTO t VALUES (1, 1)", "SELEC 1", "SELECT 1/0"]) {
        const e = await caught(db.query(sql));
        expect(pgErrorKind(e), sql).toBe("statement");
        expect(failureOf(e, (t) => t, {}).code, sql).toBe(
          sql.startsWith("INSERT") ? "PG_CONSTRAINT_VIOLATION" : "PG_STATEMENT_FAILED",
        );
        expect(failureOf(e, (t) => t, {}).retryable, sql).toBe(false);
        expect(isChangeError(e), sql).toBe(true);
      }
    } finally {
      await db.end();
    }
  });

  it("lock timeout, statement timeout, deadlock, serialization failure and a terminated session are retryable", async () => {
    const seen: Record<string, unknown> = {};
    await twoSessions(async (a, b) => {
      await a.query("BEGIN; LOCK t IN ACCESS EXCLUSIVE MODE");
      await b.query("SET lock_timeout = '50ms'");
      seen.lock = await caught(b.query("SELECT * FROM t"));
      await a.query("ROLLBACK");
      await b.query("SET statement_timeout = '50ms'");
      seen.statement = await caught(b.query("SELECT pg_sleep(1)"));
      await b.query("RESET statement_timeout; RESET lock_timeout");
    });
    await twoSessions(async (a, b) => {
      await a.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
      await a.query("SELECT * FROM t");
      await b.query("UPDATE t SET v = v + 1 WHERE id = 1");
      seen.serialization = await caught(a.query("UPDATE t SET v = v + 1 WHERE id = 1"));
      await a.query("ROLLBACK");
    });
    await twoSessions(async (a, b) => {
      await a.query("BEGIN; UPDATE t SET v = 1 WHERE id = 1");
      await b.query("BEGIN; UPDATE t SET v = 1 WHERE id = 2");
      const first = caught(a.query("UPDATE t SET v = 2 WHERE id = 2"));
      const second = caught(b.query("UPDATE t SET v = 2 WHERE id = 1"));
      seen.deadlock = (await first) ?? (await second);
      await a.query("ROLLBACK").catch(() => undefined);
      await b.query("ROLLBACK").catch(() => undefined);
    });
    await twoSessions(async (a, b) => {
      const pid = (await a.query<{ p: number }>("SELECT pg_backend_pid() AS p")).rows[0]?.p;
      await b.query("SELECT pg_terminate_backend($1)", [pid]);
      seen.terminated = await caught(a.query("SELECT 1"));
    });
    const states = Object.fromEntries(
      Object.entries(seen).map(([k, e]) => [k, (e as { code?: string } | undefined)?.code ?? "no code"]),
    );
    expect(states).toMatchObject({
      lock: "55P03",
      statement: "57014",
      serialization: "40001",
      deadlock: "40P01",
    });
    const codes = Object.fromEntries(
      Object.entries(seen).map(([k, e]) => [k, failureOf(e, (t) => t, {}).code]),
    );
    expect(codes).toEqual({
      lock: "PG_LOCK_TIMEOUT",
      statement: "PG_STATEMENT_TIMEOUT",
      serialization: "PG_CONFLICT",
      deadlock: "PG_CONFLICT",
      terminated: "PG_UNAVAILABLE",
    });
    for (const [what, e] of Object.entries(seen)) {
      expect(pgErrorKind(e), what).toBe("transient");
      expect(failureOf(e, (t) => t, {}).retryable, what).toBe(true);
      expect(isChangeError(e), what).toBe(false);
    }
  });

  it("classifies by SQLSTATE class: 08 and 53 retry, XX and 58 are the server's, 42 and 23 are the statement's", () => {
    const kind = (code: string): string => pgErrorKind(Object.assign(new Error(code), { code }));
    expect(
      ["08006", "08001", "53300", "57P01", "57P03", "40001", "40P01", "55P03", "55006"].map(kind),
    ).toEqual(Array(9).fill("transient"));
    expect(["XX000", "XX001", "58030"].map(kind)).toEqual(["server", "server", "server"]);
    // A postgresql.conf limit (all replication slots in use): neither retried nor the statement's.
    expect(kind("53400")).toBe("setting");
    expect(["42P01", "42703", "23505", "23502", "22P02", "40002", "57P04", "55000"].map(kind)).toEqual(
      Array(8).fill("statement"),
    );
    // A driver error without a SQLSTATE: only a network failure is worth another try.
    expect(pgErrorKind(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe(
      "transient",
    );
    expect(pgErrorKind(new TypeError("x is undefined"))).toBe("statement");
  });
});

describe("through the provider", () => {
  const tmp = tempDir();

  it("a role without SELECT on the history table: capture fails with PG_PRIVILEGE_MISSING (42501), not retryable", async () => {
    const url = await cluster.createDatabase("priv_capture");
    const dir = writeDbmate(join(tmp, "priv", "migrations"));
    await migrateUp(cluster, "priv_capture", "dbmate", dir, 2);
    await cluster.sql("CREATE ROLE reader LOGIN");
    const readerUrl = url.replace(/\/\/[^@/]*@/, "//reader@");
    const ctx = pgCtx(join(tmp, "priv"), { url: readerUrl, format: "dbmate" });
    const e = await expectBackoutError(postgresProvider.capture(ctx), "PG_PRIVILEGE_MISSING");
    expect(e.retryable).toBe(false);
    expect(e.details).toEqual({ sqlState: "42501" });
    expect(e.where).toMatchObject({ component: "db" });
    expect(e.message).toMatch(/permission denied/);
    expect(e.hint).toMatch(/grant it, then run the command again/);
  });
});
