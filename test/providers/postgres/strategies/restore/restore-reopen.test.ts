/**
 * The start of restore-snapshot (dump mode) through the provider's apply: a run killed inside
 * the swap leaves the live database refusing connections; the next run lets them in again,
 * drains what committed since the capture step, and then restores and swaps. (PITR's start is
 * the same helper; test/e2e-replay/pitr-crash.test.ts kills a run while blocked.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../../src/providers/postgres/index.js";
import { checkpointPostgres } from "../../../../../src/providers/postgres/strategies/restore/snapshot/checkpoint.js";
import type { PgCluster } from "../../../../support/postgres.js";
import { migrateUp, planSteps, restoreApp } from "../../core/pg-fixture.js";
import { startLogicalCluster } from "./snapshot/fixture.js";

let cluster: PgCluster;

beforeAll(async () => {
  cluster = await startLogicalCluster();
});
afterAll(async () => {
  await cluster.stop();
});

describe("restore-snapshot after a swap that was killed", () => {
  it("lets connections in again, drains the writes since the capture step, then restores", async () => {
    const { ctx, dir } = await restoreApp(cluster, "reopen");
    const checkpoint = await checkpointPostgres(ctx, "c-reopen");
    await migrateUp(cluster, "reopen", "dbmate", dir, 4);
    const [captureStep, restoreStep, replayStep] = await planSteps(ctx, checkpoint);
    expect([captureStep?.action, restoreStep?.action, replayStep?.action]).toEqual([
      "capture-changes",
      "restore-snapshot",
      "replay-changes",
    ]);
    await postgresProvider.apply(ctx, captureStep!);
    // Written after the capture step; then a run dies inside the swap, the live database closed.
    await cluster.sql("INSERT INTO users (email) VALUES ('late@example.com')", [], "reopen");
    await cluster.sql("ALTER DATABASE reopen ALLOW_CONNECTIONS false");

    const restored = await postgresProvider.apply(ctx, restoreStep!);
    expect(restored.output).toMatch(/^before the swap: captured [1-9]\d* changes/m);
    expect(restored.output).toMatch(/restored .* and swapped it in/);
    await postgresProvider.apply(ctx, replayStep!);
    const live = await cluster.sql("SELECT datallowconn FROM pg_database WHERE datname = 'reopen'");
    expect(live).toEqual([{ datallowconn: true }]);
    expect((await postgresProvider.capture(ctx)).version).toBe(checkpoint.version);
    const late = await cluster.sql("SELECT email FROM users WHERE email = 'late@example.com'", [], "reopen");
    expect(late).toEqual([{ email: "late@example.com" }]);
  });
});
