import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { freePortFor } from "./free-port.js";
import { useCluster } from "../../../support/postgres.js";
import { expectBackoutError, tempDir } from "../../fixtures.js";
import {
  migrateUp,
  MIGRATIONS,
  pgCtx,
  planSteps,
  seedUsers,
  writeGolangMigrate,
  type Mig,
} from "./pg-fixture.js";

const tmp = tempDir();

const cluster = useCluster();

async function prepared(name: string, migs: Mig[] = MIGRATIONS, settings: Record<string, unknown> = {}) {
  const url = await cluster.createDatabase(name);
  const base = join(tmp, name);
  const dir = writeGolangMigrate(join(base, "migrations"), migs);
  await migrateUp(cluster, name, "golang-migrate", dir, migs.length);
  return { url, dir, ctx: pgCtx(base, { url, ...settings }) };
}

async function columns(db: string): Promise<string[]> {
  const rows = await cluster.sql(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY column_name",
    [],
    db,
  );
  return rows.map((r) => String(r.column_name));
}

describe("postgres provider failures", () => {
  it("a down failing at its second statement leaves nothing half done and says where", async () => {
    const broken: Mig = {
      n: 5,
      name: "broken_down",
      up: "SELECT 1;",
      // The first statement works; the second fails on the live rows (ids are positive).
      down: "ALTER TABLE users DROP COLUMN nickname;\nALTER TABLE users ADD CONSTRAINT no_rows CHECK (id < 0);",
    };
    const { ctx } = await prepared("halfway", [...MIGRATIONS, broken]);
    await seedUsers(cluster, "halfway");
    const [step] = await planSteps(ctx, { version: "4" });
    const e = await expectBackoutError(postgresProvider.apply(ctx, step!), "PG_CONSTRAINT_VIOLATION");
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/migration 5: statement 2 of 2 .*0005_broken_down\.down\.sql:2\) failed/);
    expect(e.message).toMatch(/no_rows/);
    expect(e.message).toMatch(/rolled back/);
    expect(e.where).toMatchObject({ component: "db", line: 2 });
    expect(await columns("halfway")).toContain("nickname");
    expect(await cluster.sql("SELECT version::text AS v FROM schema_migrations", [], "halfway")).toEqual([
      { v: "5" },
    ]);
    expect(await postgresProvider.verify(ctx, step!)).toBe(false);
  });

  it("a lock held by another session makes apply fail fast with a retryable lock_timeout error", async () => {
    const { ctx } = await prepared("locked", MIGRATIONS, { lockTimeout: "300ms" });
    const [step] = await planSteps(ctx, { version: "3" });
    const holder = await cluster.connect("locked");
    try {
      await holder.query("BEGIN");
      await holder.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE");
      // The server's own lock_timeout error (not a wait ended by the test) proves it failed fast.
      const e = await expectBackoutError(postgresProvider.apply(ctx, step!), "PG_LOCK_TIMEOUT");
      expect(e.where).toMatchObject({ component: "db", step: step!.id });
      expect(e.message).toMatch(/lock_timeout/);
      expect(e.retryable).toBe(true);
      expect(e.hint).toMatch(/lock/);
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    expect(await cluster.sql("SELECT version::text AS v FROM schema_migrations", [], "locked")).toEqual([
      { v: "4" },
    ]);
    await postgresProvider.apply(ctx, step!);
    expect(await postgresProvider.verify(ctx, step!)).toBe(true);
  });

  it("an unreachable database is a clear, retryable PG_UNAVAILABLE without the password", async () => {
    const port = await freePortFor();
    const secret = "S3cret/pa:ss@word";
    const base = join(tmp, "unreachable");
    writeGolangMigrate(join(base, "migrations"));
    const ctx = pgCtx(base, { url: `postgres://app:${encodeURIComponent(secret)}@127.0.0.1:${port}/app` });
    const e = await expectBackoutError(postgresProvider.capture(ctx), "PG_UNAVAILABLE");
    expect(e.message).toContain(`cannot connect to PostgreSQL at 127.0.0.1:${port}`);
    expect(e.hint).toContain(`127.0.0.1:${port}`);
    expect(e.retryable).toBe(true);
    const visible = [e.message, e.hint, JSON.stringify(e.toJSON()), String(e.stack)].join("\n");
    expect(visible).not.toContain(secret);
    expect(visible).not.toContain(encodeURIComponent(secret));
  });

  it("a history row edited by hand to a version with no file is a planning error", async () => {
    const { ctx } = await prepared("edited");
    const current = await postgresProvider.capture(ctx);
    await cluster.sql("UPDATE schema_migrations SET version = 99", [], "edited");
    const e = await expectBackoutError(postgresProvider.plan(ctx, current, { version: "2" }), "PLAN_INVALID");
    expect(e.message).toBe("history table lists version 99 but no migration file has it (edited by hand?)");
    expect(e.hint).toMatch(/migration file of 99/);
  });

  it("a migration without a down script is a planning error naming it and its file", async () => {
    const noDown = MIGRATIONS.map((m) => (m.n === 3 ? { ...m, down: undefined } : m));
    const { ctx } = await prepared("nodown", noDown);
    const e = await expectBackoutError(planSteps(ctx, { version: "1" }), "PLAN_INVALID");
    expect(e.message).toMatch(
      /migration 3 \(backfill_nickname, .*0003_backfill_nickname\.up\.sql\) has no down script/,
    );
    expect(e.hint).toMatch(/\.down\.sql/);
    expect(e.where?.file).toMatch(/0003_backfill_nickname\.up\.sql$/);
  });
});
