import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BackoutError } from "../../../../src/core/errors.js";
import type { ComponentState } from "../../../../src/core/model.js";
import { runCommand } from "../../../../src/process/run-command.js";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { backoutLock } from "../../../../src/providers/postgres/layouts/tool-locks.js";
import { useCluster } from "../../../support/postgres.js";
import { expectBackoutError, tempDir } from "../../fixtures.js";
import { dbmateVersion, MIGRATIONS, pgCtx, planSteps, seedUsers, writeDbmate } from "./pg-fixture.js";

const DBMATE = join(process.cwd(), "node_modules/.bin/dbmate");

const tmp = tempDir();

const cluster = useCluster();

/** The real dbmate, as its users run it (no schema dump: pg_dump's version need not match). */
async function dbmate(url: string, dir: string, ...args: string[]): Promise<string> {
  const out = await runCommand({
    argv: [DBMATE, "--url", `${url}?sslmode=disable`, "--migrations-dir", dir, "--no-dump-schema", ...args],
    timeoutMs: 15_000,
  });
  if (out.exitCode !== 0) throw new Error(`dbmate ${args.join(" ")} failed: ${out.stderr}${out.stdout}`);
  return out.stdout;
}

async function history(db: string): Promise<string[]> {
  const rows = await cluster.sql("SELECT version FROM schema_migrations ORDER BY version", [], db);
  return rows.map((r) => String(r.version));
}

/** A database at a dbmate project whose second migration runs outside a transaction, both applied. */
async function indexedConcurrently(db: string): Promise<{ url: string; base: string; dir: string }> {
  const url = await cluster.createDatabase(db);
  const base = join(tmp, db);
  const dir = writeDbmate(join(base, "migrations"), MIGRATIONS.slice(0, 1));
  writeFileSync(
    join(dir, "20240102000000_index.sql"),
    "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email_lower ON users (lower(email));\n" +
      "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY users_email_lower;\n",
  );
  await dbmate(url, dir, "up");
  return { url, base, dir };
}

describe("postgres provider with dbmate", () => {
  it("captures, plans newest first with risk, reverts one migration per step, and dbmate agrees", async () => {
    const url = await cluster.createDatabase("dbmate_roundtrip");
    const base = join(tmp, "roundtrip");
    const dir = join(base, "migrations");
    const ctx = pgCtx(base, { url, format: "auto" });

    // The checkpoint: the first two migrations deployed, users in the table.
    writeDbmate(dir, MIGRATIONS.slice(0, 2));
    await dbmate(url, dir, "up");
    await seedUsers(cluster, "dbmate_roundtrip");
    const checkpoint: ComponentState = await postgresProvider.capture(ctx);
    expect(checkpoint.version).toBe(dbmateVersion(2));
    expect(checkpoint.details).toMatchObject({
      format: "dbmate",
      database: "dbmate_roundtrip",
      applied: [dbmateVersion(1), dbmateVersion(2)],
    });
    expect(checkpoint.details?.serverVersion).toMatch(/^\d+/);
    expect(checkpoint.details?.fingerprint).toMatch(/^[0-9a-f]{64}$/);

    // The deploy: backfill (data-transforming) and drop column (destructive up).
    writeDbmate(dir);
    await dbmate(url, dir, "up");
    const deployed = await postgresProvider.capture(ctx);
    expect(deployed.version).toBe(dbmateVersion(4));
    expect(deployed.details?.fingerprint).not.toBe(checkpoint.details?.fingerprint);

    const steps = await planSteps(ctx, checkpoint);
    expect(steps.map((s) => s.params.version)).toEqual([dbmateVersion(4), dbmateVersion(3)]);
    expect(steps.map((s) => s.action)).toEqual(["migrate-down", "migrate-down"]);
    const [addBack, unBackfill] = steps as [(typeof steps)[0], (typeof steps)[0]];
    expect(addBack.risk.dataLoss).toBe(false);
    expect(addBack.target.version).toBe(dbmateVersion(3));
    expect(unBackfill.risk.dataLoss).toBe(true);
    expect(unBackfill.risk.summary).toMatch(/users\.nickname/);
    expect(unBackfill.risk.rowsAtRisk).toBe(3);
    expect(unBackfill.reversible).toBe(false);
    expect(unBackfill.target).toEqual(checkpoint);

    // Step 1: one migration, history updated in the same transaction.
    expect(await postgresProvider.verify(ctx, addBack)).toBe(false);
    await postgresProvider.apply(ctx, addBack);
    expect(await history("dbmate_roundtrip")).toEqual([1, 2, 3].map(dbmateVersion));
    expect(await postgresProvider.verify(ctx, addBack)).toBe(true);
    expect(await postgresProvider.verify(ctx, unBackfill)).toBe(false);

    await postgresProvider.apply(ctx, unBackfill);
    expect(await history("dbmate_roundtrip")).toEqual([1, 2].map(dbmateVersion));
    expect(await postgresProvider.verify(ctx, unBackfill)).toBe(true);
    const after = await postgresProvider.capture(ctx);
    expect(after).toEqual(checkpoint);

    // Idempotent: applying again changes nothing.
    const again = await postgresProvider.apply(ctx, unBackfill);
    expect(again.output).toMatch(/already reverted/);
    expect(await history("dbmate_roundtrip")).toEqual([1, 2].map(dbmateVersion));

    // dbmate itself agrees, and its up re-applies cleanly.
    const status = await dbmate(url, dir, "status");
    expect(status).toMatch(new RegExp(`\\[X\\] ${dbmateVersion(2)}_add_nickname`));
    expect(status).toMatch(new RegExp(`\\[ \\] ${dbmateVersion(3)}_backfill_nickname`));
    expect(status).toMatch(/Applied: 2/);
    expect(status).toMatch(/Pending: 2/);
    await dbmate(url, dir, "up");
    expect(await history("dbmate_roundtrip")).toEqual([1, 2, 3, 4].map(dbmateVersion));
    expect((await postgresProvider.capture(ctx)).details?.fingerprint).toBe(deployed.details?.fingerprint);
  });

  it("plans nothing when the target is the current state, and everything down to 0", async () => {
    const url = await cluster.createDatabase("dbmate_all");
    const base = join(tmp, "all");
    const dir = writeDbmate(join(base, "migrations"));
    const ctx = pgCtx(base, { url, format: "dbmate" });
    const empty = await postgresProvider.capture(ctx);
    expect(empty.version).toBe("0");
    expect(empty.details?.applied).toEqual([]);
    await dbmate(url, dir, "up");
    const now = await postgresProvider.capture(ctx);
    expect(await planSteps(ctx, now)).toEqual([]);
    const steps = await planSteps(ctx, { version: "0" });
    expect(steps.map((s) => s.params.version)).toEqual([4, 3, 2, 1].map(dbmateVersion));
    expect(steps.at(-1)?.risk.summary).toMatch(/drops table users/);
    for (const s of steps) await postgresProvider.apply(ctx, s);
    expect(await history("dbmate_all")).toEqual([]);
    expect(await dbmate(url, dir, "status")).toMatch(/Applied: 0/);
  });

  it("runs a `transaction:false` down outside a transaction (DROP INDEX CONCURRENTLY)", async () => {
    const { url, base, dir } = await indexedConcurrently("dbmate_notx");
    const ctx = pgCtx(base, { url });
    const [step, ...more] = await planSteps(ctx, { version: dbmateVersion(1) });
    expect(more).toEqual([]);
    expect(step?.params.transaction).toBe(false);
    expect(step?.risk.summary).toMatch(/outside a transaction/);
    await postgresProvider.apply(ctx, step!);
    expect(await history("dbmate_notx")).toEqual([dbmateVersion(1)]);
    expect(await postgresProvider.verify(ctx, step!)).toBe(true);
    expect(
      await cluster.sql("SELECT 1 FROM pg_indexes WHERE indexname = 'users_email_lower'", [], "dbmate_notx"),
    ).toEqual([]);
    expect(await dbmate(url, dir, "status")).toMatch(/Pending: 1/);
  });

  it("a `transaction:false` down waits for backout's lock like any down, and a second apply changes nothing", async () => {
    const { url, base } = await indexedConcurrently("dbmate_notx_lock");
    const ctx = pgCtx(base, { url, lockTimeout: "300ms" });
    const [step] = await planSteps(ctx, { version: dbmateVersion(1) });
    expect(step?.params.transaction).toBe(false);
    // Another runner holds backout's migration lock: the step gives up after lockTimeout, retryably.
    const holder = await cluster.connect("dbmate_notx_lock");
    let e: BackoutError;
    try {
      await holder.query("SET application_name = 'other-backout'");
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [backoutLock("dbmate_notx_lock").key]);
      e = await expectBackoutError(postgresProvider.apply(ctx, step!), "PG_LOCK_TIMEOUT");
    } finally {
      await holder.end();
    }
    expect(e.retryable).toBe(true);
    expect(e.message).toContain('application_name "other-backout"');
    expect(e.message).toContain("backout's migration lock");
    expect(await history("dbmate_notx_lock")).toEqual([dbmateVersion(1), "20240102000000"]);
    // With the lock free it runs; again, it finds the version gone and does nothing.
    const first = await postgresProvider.apply(ctx, step!);
    expect(first.output).toMatch(/reverted dbmate migration 20240102000000 \(outside a transaction\)/);
    const again = await postgresProvider.apply(ctx, step!);
    expect(again.output).toMatch(
      /migration 20240102000000 is not applied \(already reverted\); nothing to do/,
    );
    expect(await history("dbmate_notx_lock")).toEqual([dbmateVersion(1)]);
  });
});
