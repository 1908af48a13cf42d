import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { useCluster } from "../../../support/postgres.js";
import { tempDir } from "../../fixtures.js";
import { migrateUp, pgCtx, planSteps, seedUsers, USERS, writeGolangMigrate } from "./pg-fixture.js";

const tmp = tempDir();

const cluster = useCluster();

describe("postgres provider under the archive policy", () => {
  it("plans archiving instead of data loss, and keeps every value the downs destroy", async () => {
    const url = await cluster.createDatabase("archived");
    const base = join(tmp, "archived");
    const dir = writeGolangMigrate(join(base, "migrations"));
    await migrateUp(cluster, "archived", "golang-migrate", dir, 1);
    await seedUsers(cluster, "archived");
    await migrateUp(cluster, "archived", "golang-migrate", dir, 4);
    const ctx = pgCtx(base, { url }, "archive");
    const steps = await planSteps(ctx, { version: "1" });
    expect(steps.map((s) => s.params.version)).toEqual(["4", "3", "2"]);
    for (const s of steps) expect(s.risk.dataLoss).toBe(false);
    expect(steps[1]?.params.archive).toBe(true);
    // The summary (hashed) says what goes; the live count is shown beside it, not hashed.
    expect(steps[1]?.risk.summary).toBe("archives first (overwrites users.nickname)");
    expect(steps[1]?.risk.measured).toBe("users.nickname: 3 non-null values");
    expect(steps[2]?.risk.summary).toBe("archives first (drops column users.nickname)");
    expect(steps[2]?.risk.measured).toBe("users.nickname: 3 non-null values");
    for (const s of steps) await postgresProvider.apply(ctx, s);
    expect((await postgresProvider.capture(ctx)).version).toBe("1");
    const archived = await cluster.sql(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'backout_archive'",
      [],
      "archived",
    );
    expect(archived.length).toBeGreaterThan(0);
    // The backfilled nicknames are somewhere in the archive.
    const dump = JSON.stringify(
      await Promise.all(
        archived.map((t) =>
          cluster.sql(
            `SELECT * FROM backout_archive."${String(t.table_name).replaceAll('"', '""')}"`,
            [],
            "archived",
          ),
        ),
      ),
    );
    for (const email of USERS) expect(dump).toContain(email.split("@")[0]);
  });
});
