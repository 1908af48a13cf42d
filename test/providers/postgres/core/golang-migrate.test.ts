import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { useCluster } from "../../../support/postgres.js";
import { expectBackoutError, tempDir } from "../../fixtures.js";
import { migrateUp, pgCtx, planSteps, seedUsers, writeGolangMigrate } from "./pg-fixture.js";

const tmp = tempDir();

const cluster = useCluster();

/** golang-migrate's one row, exactly as its postgres driver leaves it. */
async function row(db: string): Promise<{ version: string; dirty: boolean }[]> {
  const rows = await cluster.sql("SELECT version::text AS version, dirty FROM schema_migrations", [], db);
  return rows.map((r) => ({ version: String(r.version), dirty: Boolean(r.dirty) }));
}

describe("postgres provider with golang-migrate", () => {
  it("reverts newest first, leaving ONE row with the previous version (none after the first)", async () => {
    const url = await cluster.createDatabase("gm_roundtrip");
    const base = join(tmp, "roundtrip");
    const dir = writeGolangMigrate(join(base, "migrations"));
    const ctx = pgCtx(base, { url });
    await migrateUp(cluster, "gm_roundtrip", "golang-migrate", dir, 2);
    await seedUsers(cluster, "gm_roundtrip");
    const checkpoint = await postgresProvider.capture(ctx);
    expect(checkpoint.version).toBe("2");
    expect(checkpoint.details).toMatchObject({ format: "golang-migrate", applied: ["1", "2"] });

    await migrateUp(cluster, "gm_roundtrip", "golang-migrate", dir, 4);
    expect(await row("gm_roundtrip")).toEqual([{ version: "4", dirty: false }]);
    const steps = await planSteps(ctx, checkpoint);
    expect(steps.map((s) => s.params.version)).toEqual(["4", "3"]);
    expect(steps.map((s) => s.target.version)).toEqual(["3", "2"]);
    expect(steps[0]?.params.downFile).toMatch(/0004_drop_legacy_flag\.down\.sql$/);
    expect(steps[1]?.risk).toMatchObject({ dataLoss: true, rowsAtRisk: 3 });

    await postgresProvider.apply(ctx, steps[0]!);
    expect(await row("gm_roundtrip")).toEqual([{ version: "3", dirty: false }]);
    expect(await postgresProvider.verify(ctx, steps[0]!)).toBe(true);
    await postgresProvider.apply(ctx, steps[1]!);
    expect(await row("gm_roundtrip")).toEqual([{ version: "2", dirty: false }]);
    expect(await postgresProvider.verify(ctx, steps[1]!)).toBe(true);
    expect(await postgresProvider.capture(ctx)).toEqual(checkpoint);
    // A second apply is a no-op.
    await postgresProvider.apply(ctx, steps[1]!);
    expect(await row("gm_roundtrip")).toEqual([{ version: "2", dirty: false }]);

    // All the way down: golang-migrate leaves the table empty (nil version).
    const rest = await planSteps(ctx, { version: "0" });
    expect(rest.map((s) => s.params.version)).toEqual(["2", "1"]);
    for (const s of rest) await postgresProvider.apply(ctx, s);
    expect(await row("gm_roundtrip")).toEqual([]);
    expect((await postgresProvider.capture(ctx)).version).toBe("0");

    // ...and the ups apply again on top of what backout left.
    await migrateUp(cluster, "gm_roundtrip", "golang-migrate", dir, 4);
    expect(await row("gm_roundtrip")).toEqual([{ version: "4", dirty: false }]);
  });

  it("refuses a dirty database, naming the version and `migrate force`", async () => {
    const url = await cluster.createDatabase("gm_dirty");
    const base = join(tmp, "dirty");
    const dir = writeGolangMigrate(join(base, "migrations"));
    const ctx = pgCtx(base, { url, format: "golang-migrate" });
    await migrateUp(cluster, "gm_dirty", "golang-migrate", dir, 3);
    const checkpoint = await postgresProvider.capture(ctx);
    await cluster.sql("UPDATE schema_migrations SET dirty = true", [], "gm_dirty");
    const e = await expectBackoutError(
      postgresProvider.plan(ctx, checkpoint, { version: "1" }),
      "PROVIDER_FAILED",
    );
    expect(e.message).toMatch(/version 3 as dirty/);
    expect(e.hint).toMatch(/migrate force/);
    expect(e.where?.component).toBe("db");
    expect(e.retryable).toBe(false);
  });
});
