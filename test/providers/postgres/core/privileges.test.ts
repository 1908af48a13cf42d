/**
 * Issue 12 item 14: the privileges each strategy needs are checked at plan and checkpoint time,
 * and a missing one is named (PG_PRIVILEGE_MISSING) with the statement that grants it, instead of
 * "permission denied for table schema_migrations" and a hint to "resume the rollback".
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackoutError } from "../../../../src/core/errors.js";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { checkPrivileges } from "../../../../src/providers/postgres/preflight/privileges.js";
import { startPostgres, type PgCluster } from "../../../support/postgres.js";
import { tempDir } from "../../fixtures.js";
import { dbmateVersion, migrateUp, pgCtx, writeDbmate } from "./pg-fixture.js";

let cluster: PgCluster;
const tmp = tempDir();

beforeAll(async () => {
  cluster = await startPostgres({ settings: { wal_level: "logical" } });
  // The role the README used to suggest for restore: REPLICATION + CREATEDB, nothing else.
  await cluster.sql("CREATE ROLE limited LOGIN REPLICATION CREATEDB");
});
afterAll(async () => {
  await cluster?.stop();
});

const limitedUrl = (db: string): string => `postgres://limited@127.0.0.1:${cluster.port}/${db}`;

async function failure(p: Promise<unknown>): Promise<BackoutError> {
  const e: unknown = await p.then(
    () => new Error("succeeded without the privileges"),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BackoutError);
  return e as BackoutError;
}

describe("privileges per strategy", () => {
  it("checkpoint with snapshot: dump names every missing privilege, and nothing was created", async () => {
    await cluster.createDatabase("priv_cp");
    const base = join(tmp, "priv_cp");
    writeDbmate(join(base, "migrations"));
    await migrateUp(cluster, "priv_cp", "dbmate", join(base, "migrations"), 2);
    const ctx = pgCtx(base, { url: limitedUrl("priv_cp"), format: "dbmate", snapshot: "dump" });
    const e = await failure(postgresProvider.checkpoint!(ctx, "cp1"));
    expect(e.code).toBe("PG_PRIVILEGE_MISSING");
    expect(e.retryable).toBe(false);
    expect(e.message).toContain("SELECT on public.schema_migrations");
    expect(e.message).toContain("EXECUTE on pg_create_restore_point(text)");
    expect(e.message).toContain("owner of the database");
    expect(e.hint).toContain('GRANT EXECUTE ON FUNCTION pg_create_restore_point(text) TO "limited";');
    expect(e.hint).not.toMatch(/resume/);
    expect(await cluster.sql("SELECT slot_name FROM pg_replication_slots", [], "priv_cp")).toEqual([]);
  });

  it("plan (reverse) names the history privilege the revert needs; granted, every check passes", async () => {
    await cluster.createDatabase("priv_plan");
    const base = join(tmp, "priv_plan");
    writeDbmate(join(base, "migrations"));
    await migrateUp(cluster, "priv_plan", "dbmate", join(base, "migrations"), 2);
    await cluster.sql("GRANT SELECT ON schema_migrations TO limited", [], "priv_plan");
    await cluster.sql("ALTER TABLE users OWNER TO limited", [], "priv_plan");
    const ctx = pgCtx(base, { url: limitedUrl("priv_plan"), format: "dbmate" });
    const current = await postgresProvider.capture(ctx);
    const e = await failure(postgresProvider.plan(ctx, current, { version: dbmateVersion(1) }));
    expect(e.code).toBe("PG_PRIVILEGE_MISSING");
    expect(e.message).toContain("DELETE on public.schema_migrations");
    expect(e.message).toContain("CREATE on schema public");

    await cluster.sql("GRANT DELETE ON schema_migrations TO limited", [], "priv_plan");
    await cluster.sql("GRANT CREATE ON SCHEMA public TO limited", [], "priv_plan");
    const client = await cluster.connect("priv_plan");
    try {
      await client.query("SET ROLE limited");
      const checks = await checkPrivileges(client, {
        strategy: "reverse",
        format: "dbmate",
        schema: "public",
        archiveSchema: "backout_archive",
      });
      expect(checks.filter((c) => !c.ok)).toEqual([]);
      expect(checks.map((c) => c.privilege)).toContain("DELETE on public.schema_migrations");
      const archive = await checkPrivileges(client, {
        strategy: "archive",
        format: "dbmate",
        schema: "public",
        archiveSchema: "backout_archive",
      });
      expect(archive.filter((c) => !c.ok).map((c) => c.privilege)).toEqual(["CREATE on the database"]);
    } finally {
      await client.end();
    }
    const steps = await postgresProvider.plan(ctx, current, { version: dbmateVersion(1) });
    expect(steps).toHaveLength(1);
  });
});
