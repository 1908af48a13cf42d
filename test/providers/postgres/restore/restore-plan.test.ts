/**
 * Planning restore-and-replay against a real cluster: which checkpoints keep their slot
 * (keepSlots), what a plan to a checkpoint whose slot is gone says, where each checkpoint's
 * capture store is, and that nothing is planned once the database is back at the checkpoint.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { restoreParams } from "../../../../src/providers/postgres/restore-params.js";
import { checkpointPostgres } from "../../../../src/providers/postgres/snapshot/checkpoint.js";
import { captureFileFor } from "../../../../src/providers/postgres/snapshot/paths.js";
import type { PgCluster } from "../../../support/postgres.js";
import { migrateUp, pgCtx, planSteps, seedUsers, writeDbmate } from "../core/pg-fixture.js";
import { snapshotOf, startLogicalCluster, tempDir } from "../snapshot/fixture.js";

let cluster: PgCluster;

beforeAll(async () => {
  cluster = await startLogicalCluster();
});
afterAll(async () => {
  await cluster.stop();
});

async function slotsOf(db: string): Promise<string[]> {
  const rows = await cluster.sql(
    "SELECT slot_name FROM pg_replication_slots WHERE database = $1 ORDER BY slot_name",
    [db],
  );
  return rows.map((r) => String(r.slot_name));
}

async function app(db: string, settings: Record<string, unknown>) {
  const baseDir = tempDir("rplan");
  const dir = writeDbmate(join(baseDir, "migrations"));
  await cluster.createDatabase(db);
  await migrateUp(cluster, db, "dbmate", dir, 2);
  await seedUsers(cluster, db);
  const ctx = pgCtx(baseDir, {
    url: cluster.url(db),
    format: "dbmate",
    snapshot: "dump",
    strategy: "restore",
    ...settings,
  });
  return { ctx, dir };
}

describe("restore-and-replay plan", () => {
  it("keeps the slots of the keepSlots newest checkpoints; a plan to an older one goes through the gate", async () => {
    const { ctx, dir } = await app("keep", { keepSlots: 2 });
    const first = await checkpointPostgres(ctx, "c-1");
    await cluster.sql("INSERT INTO users (email) VALUES ('between@x')", [], "keep");
    const second = await checkpointPostgres(ctx, "c-2");
    expect(await slotsOf("keep")).toEqual([snapshotOf(first).slot, snapshotOf(second).slot].sort());
    const third = await checkpointPostgres(ctx, "c-3");
    // The oldest of three is dropped: only two slots hold WAL.
    expect(await slotsOf("keep")).toEqual([snapshotOf(second).slot, snapshotOf(third).slot].sort());

    await migrateUp(cluster, "keep", "dbmate", dir, 3);
    const toFirst = await planSteps(ctx, first);
    expect(toFirst.map((s) => s.action)).toEqual(["capture-changes", "restore-snapshot", "replay-changes"]);
    const restoreFirst = toFirst[1];
    expect(restoreFirst?.risk.dataLoss).toBe(true);
    expect(restoreFirst?.risk.summary).toContain(`the replication slot ${snapshotOf(first).slot} is gone`);

    const toSecond = await planSteps(ctx, second);
    expect(toSecond[1]?.risk.dataLoss).toBe(false);
    // Each checkpoint's capture store is named by its checkpoint id, not by its restore point.
    const params = restoreParams(toSecond[0] ?? (undefined as never));
    expect(params.snapshot.checkpointId).toBe("c-2");
    expect(params.captureFile).toBe(captureFileFor(ctx, "c-2"));
    expect(params.slotIntact).toBe(true);
  });

  it("plans nothing when the database is at the checkpoint, and the three steps after a deploy", async () => {
    const { ctx, dir } = await app("atcp", {});
    const checkpoint = await checkpointPostgres(ctx, "c-at");
    // New rows do not move the database off its checkpoint: version and schema are what count.
    await cluster.sql("INSERT INTO users (email) VALUES ('later@x')", [], "atcp");
    expect(await planSteps(ctx, checkpoint)).toEqual([]);

    await migrateUp(cluster, "atcp", "dbmate", dir, 4);
    const steps = await planSteps(ctx, checkpoint);
    expect(steps.map((s) => s.action)).toEqual(["capture-changes", "restore-snapshot", "replay-changes"]);
    expect(steps[1]?.risk.dataLoss).toBe(false);

    // Same version but a schema changed by hand is not "at the checkpoint" either.
    await cluster.sql("DELETE FROM schema_migrations WHERE version > $1", [checkpoint.version], "atcp");
    const now = await postgresProvider.capture(ctx);
    expect(now.version).toBe(checkpoint.version);
    expect(now.details?.fingerprint).not.toBe(checkpoint.details?.fingerprint);
    expect((await planSteps(ctx, checkpoint)).length).toBe(3);
  });
});
