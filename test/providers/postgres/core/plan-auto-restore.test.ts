/**
 * Issue 12 item 5, the strategy part: an up that destroyed data (dropped a column) is reverted by
 * a down that loses nothing more, so reversing looks clean, yet the values are gone. With a
 * snapshot at the checkpoint, `strategy: auto` restores instead and says why; `strategy: reverse`
 * reverts, ungated, and its risk says that only a restore could bring the values back.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointPostgres } from "../../../../src/providers/postgres/strategies/restore/snapshot/checkpoint.js";
import type { PgCluster } from "../../../support/postgres.js";
import { startLogicalCluster, tempDir } from "../strategies/restore/snapshot/fixture.js";
import { migrateUp, pgCtx, planSteps, seedUsers, writeDbmate } from "./pg-fixture.js";

let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startLogicalCluster();
});
afterAll(async () => {
  await cluster.stop();
});

describe("an up that already destroyed data", () => {
  it("strategy auto restores the snapshot; strategy reverse reverts and names the loss only a restore can undo", async () => {
    const baseDir = tempDir("auto-restore");
    const dir = writeDbmate(join(baseDir, "migrations"));
    await cluster.createDatabase("autorestore");
    await migrateUp(cluster, "autorestore", "dbmate", dir, 3);
    await seedUsers(cluster, "autorestore");
    const settings = { url: cluster.url("autorestore"), format: "dbmate", snapshot: "dump" };
    const auto = pgCtx(baseDir, { ...settings, strategy: "auto" });
    const checkpoint = await checkpointPostgres(auto, "c-auto");
    // The deploy: 4 drops users.legacy_flag; its down re-adds the column empty (safe on its own).
    await migrateUp(cluster, "autorestore", "dbmate", dir, 4);

    const restore = await planSteps(auto, checkpoint);
    expect(restore.map((s) => s.action)).toEqual(["capture-changes", "restore-snapshot", "replay-changes"]);
    expect(restore[0]?.description).toContain("auto: the up of 20240101000004 already destroyed data");

    const reverse = await planSteps(pgCtx(baseDir, { ...settings, strategy: "reverse" }), checkpoint);
    expect(reverse.map((s) => s.action)).toEqual(["migrate-down"]);
    expect(reverse[0]?.risk.dataLoss).toBe(false);
    expect(reverse[0]?.risk.summary).toContain(
      "the up of 20240101000004 already destroyed data (drops column users.legacy_flag)",
    );
  });
});
