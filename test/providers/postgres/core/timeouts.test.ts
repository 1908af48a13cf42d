/**
 * Issue 12 item 11: every query backout runs has lock_timeout and statement_timeout, planning's
 * history read included: behind an ACCESS EXCLUSIVE lock on the history table, capture and plan
 * give up after lockTimeout with a retryable error instead of waiting for the lock holder.
 */
import { join } from "node:path";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../../../src/core/errors.js";
import { connectUrl } from "../../../../src/providers/postgres/connection/client.js";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { useCluster } from "../../../support/postgres.js";
import { tempDir } from "../../fixtures.js";
import { migrateUp, pgCtx, writeDbmate } from "./pg-fixture.js";

const tmp = tempDir();

const cluster = useCluster();

/** Holds ACCESS EXCLUSIVE on `table` in an open transaction until release(). */
async function holdLock(database: string, table: string): Promise<{ release: () => Promise<void> }> {
  const holder: pg.Client = await cluster.connect(database);
  await holder.query("BEGIN");
  await holder.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    release: async () => {
      await holder.query("ROLLBACK");
      await holder.end();
    },
  };
}

describe("timeouts on every connection", () => {
  it("capture and plan stop after lockTimeout behind a lock on the history table (retryable)", async () => {
    const url = await cluster.createDatabase("held");
    const dir = writeDbmate(join(tmp, "held", "migrations"));
    await migrateUp(cluster, "held", "dbmate", dir, 2);
    const ctx = pgCtx(join(tmp, "held"), { url, format: "dbmate", lockTimeout: "300ms" });
    const current = await postgresProvider.capture(ctx);
    const lock = await holdLock("held", "schema_migrations");
    try {
      for (const attempt of [
        () => postgresProvider.capture(ctx),
        () => postgresProvider.plan(ctx, current, { version: "20240101000001" }),
      ]) {
        const e: unknown = await attempt().then(
          () => new Error("finished while the lock was held"),
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(BackoutError);
        expect((e as BackoutError).message).toMatch(/lock_timeout/);
        expect((e as BackoutError).code).toBe("PG_LOCK_TIMEOUT");
        expect((e as BackoutError).where).toMatchObject({ component: "db" });
        expect((e as BackoutError).retryable).toBe(true);
      }
    } finally {
      await lock.release();
    }
    // Once the lock is gone, the same plan works.
    const steps = await postgresProvider.plan(ctx, current, { version: "20240101000001" });
    expect(steps).toHaveLength(1);
  });

  it("connectUrl sessions carry both timeouts from their first query on", async () => {
    const client = await connectUrl(cluster.url("postgres"), "backout test", {
      lockTimeoutMs: 1234,
      statementTimeoutMs: 56789,
    });
    try {
      const { rows } = await client.query<{ l: string; s: string }>(
        "SELECT current_setting('lock_timeout') AS l, current_setting('statement_timeout') AS s",
      );
      expect(rows[0]).toEqual({ l: "1234ms", s: "56789ms" });
    } finally {
      await client.end();
    }
    const defaults = await connectUrl(cluster.url("postgres"));
    try {
      const { rows } = await defaults.query<{ l: string; s: string }>(
        "SELECT current_setting('lock_timeout') AS l, current_setting('statement_timeout') AS s",
      );
      expect(rows[0]).toEqual({ l: "5s", s: "5min" });
    } finally {
      await defaults.end();
    }
  });
});
