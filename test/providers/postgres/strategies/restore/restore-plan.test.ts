/**
 * Planning restore-and-replay against a real cluster: which checkpoints keep their slot
 * (keepSnapshots), what a plan to a checkpoint whose snapshot or slot is gone says, where each checkpoint's
 * capture store is, and that nothing is planned once the database is back at the checkpoint.
 */
import { chmodSync, existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../../src/providers/postgres/index.js";
import { restoreParams } from "../../../../../src/providers/postgres/strategies/restore/params.js";
import { checkpointPostgres } from "../../../../../src/providers/postgres/strategies/restore/snapshot/checkpoint.js";
import { openCaptureStore } from "../../../../../src/providers/postgres/strategies/restore/snapshot/capture-store.js";
import { drainSlot } from "../../../../../src/providers/postgres/strategies/restore/snapshot/drain.js";
import { captureFileFor } from "../../../../../src/providers/postgres/strategies/restore/snapshot/paths.js";
import type { PgCluster } from "../../../../support/postgres.js";
import { migrateUp, pgCtx, planSteps, restoreApp } from "../../core/pg-fixture.js";
import { snapshotOf, startLogicalCluster, tempDir } from "./snapshot/fixture.js";

let cluster: PgCluster;

const walArchive = tempDir("rplan-wal");

beforeAll(async () => {
  // The server (running as the postgres user) copies WAL there: PITR checkpoints need it.
  chmodSync(walArchive, 0o777);
  cluster = await startLogicalCluster({
    archive_mode: "on",
    archive_command: `test ! -f ${walArchive}/%f && cp %p ${walArchive}/%f`,
  });
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

describe("restore-and-replay plan", () => {
  it("keeps the snapshots of the keepSnapshots newest checkpoints, and refuses to plan a restore to an older one", async () => {
    const { ctx, dir } = await restoreApp(cluster, "keep", { keepSnapshots: 2 });
    const first = snapshotOf(await checkpointPostgres(ctx, "c-1"));
    await cluster.sql("INSERT INTO users (email) VALUES ('between@x')", [], "keep");
    const secondState = await checkpointPostgres(ctx, "c-2");
    const second = snapshotOf(secondState);
    expect(await slotsOf("keep")).toEqual([first.slot, second.slot].sort());
    expect(existsSync(first.dumpFile ?? "")).toBe(true);
    // A drain of the oldest slot (a rollback to c-1 that failed later) moves it past c-2's:
    // still the oldest checkpoint, still the one to go.
    const drainer = await cluster.connect("keep");
    const scratch = openCaptureStore(join(tempDir("rplan-store"), "s.db"));
    await drainSlot(drainer, first.slot, scratch, { historyTables: ["schema_migrations"] });
    scratch.close();
    await drainer.end();
    const third = snapshotOf(await checkpointPostgres(ctx, "c-3"));
    // The oldest of three is removed: its slot (WAL) and its dump (disk).
    expect(await slotsOf("keep")).toEqual([second.slot, third.slot].sort());
    expect(existsSync(first.dumpFile ?? "")).toBe(false);
    expect(readdirSync(dirname(third.dumpFile ?? "")).sort()).toEqual(["c-2.dump", "c-3.dump"]);

    await migrateUp(cluster, "keep", "dbmate", dir, 3);
    const firstState = { version: secondState.version, details: { ...secondState.details, snapshot: first } };
    await expect(planSteps(ctx, firstState)).rejects.toMatchObject({
      code: "PLAN_INVALID",
      message: expect.stringContaining(`${first.dumpFile ?? "?"} no longer exists`) as unknown,
      hint: expect.stringContaining("strategy: reverse") as unknown,
    });

    const toSecond = await planSteps(ctx, secondState);
    expect(toSecond.map((s) => s.action)).toEqual(["capture-changes", "restore-snapshot", "replay-changes"]);
    expect(toSecond[1]?.risk.dataLoss).toBe(false);
    // The capture step says how much WAL it will decode: here at least the ~3 MiB written now.
    await cluster.sql(
      "INSERT INTO users (email) SELECT g || repeat('y', 1000) FROM generate_series(1, 3000) g",
      [],
      "keep",
    );
    const [capture] = await planSteps(ctx, secondState);
    const wal = Number(/(\d+\.\d) MiB of WAL to decode/.exec(capture?.description ?? "")?.[1]);
    expect(wal).toBeGreaterThanOrEqual(3);
    expect(capture?.estimateMs).toBeGreaterThan(500);
    // Each checkpoint's capture store is named by its checkpoint id, not by its restore point.
    const params = restoreParams(toSecond[0] ?? (undefined as never));
    expect(params.snapshot.checkpointId).toBe("c-2");
    expect(params.captureFile).toBe(captureFileFor(ctx, "c-2"));
    expect(params.slotIntact).toBe(true);

    // A slot dropped by hand: the plan goes through the data-loss gate and says why.
    await cluster.sql("SELECT pg_drop_replication_slot($1)", [second.slot], "keep");
    const lossy = await planSteps(ctx, secondState);
    expect(lossy[1]?.risk.dataLoss).toBe(true);
    expect(lossy[1]?.risk.summary).toContain(`the replication slot ${second.slot} is gone`);
  });

  it("plans nothing when the database is at the checkpoint, and the three steps after a deploy", async () => {
    const { ctx, dir } = await restoreApp(cluster, "atcp");
    await cluster.sql("CREATE TABLE events (what text)", [], "atcp");
    const checkpoint = await checkpointPostgres(ctx, "c-at");
    // New rows do not move the database off its checkpoint: version and schema are what count.
    await cluster.sql("INSERT INTO users (email) VALUES ('later@x')", [], "atcp");
    expect(await planSteps(ctx, checkpoint)).toEqual([]);

    await migrateUp(cluster, "atcp", "dbmate", dir, 4);
    const steps = await planSteps(ctx, checkpoint);
    expect(steps.map((s) => s.action)).toEqual(["capture-changes", "restore-snapshot", "replay-changes"]);
    expect(steps[1]?.risk.dataLoss).toBe(false);
    // A table without a key: the plan says its updates and deletes are archived, not replayed.
    expect(steps[2]?.risk.summary).toContain("updates and deletes of public.events (no primary key");

    // Same version but a schema changed by hand is not "at the checkpoint" either.
    await cluster.sql("DELETE FROM schema_migrations WHERE version > $1", [checkpoint.version], "atcp");
    const now = await postgresProvider.capture(ctx);
    expect(now.version).toBe(checkpoint.version);
    expect(now.details?.fingerprint).not.toBe(checkpoint.details?.fingerprint);
    expect((await planSteps(ctx, checkpoint)).length).toBe(3);
  });

  it("a PITR restore that cannot work fails to plan: data directory, WAL archive, pg_ctl", async () => {
    const pitr = { dataDir: cluster.dataDir, walArchive };
    const { ctx, dir } = await restoreApp(cluster, "pitrpre", { snapshot: "pitr", pitr });
    const checkpoint = await checkpointPostgres(ctx, "c-pitr");
    await migrateUp(cluster, "pitrpre", "dbmate", dir, 3);
    const withPitr = (over: Record<string, unknown>, env: Record<string, string> = {}) => {
      const c = pgCtx(ctx.baseDir, {
        url: cluster.url("pitrpre"),
        format: "dbmate",
        snapshot: "pitr",
        strategy: "restore",
        pitr: { ...pitr, ...over },
      });
      return { ...c, env: { ...c.env, ...env } };
    };
    const fails = (
      over: Record<string, unknown>,
      field: string,
      text: string,
      env?: Record<string, string>,
    ) =>
      expect(planSteps(withPitr(over, env), checkpoint)).rejects.toMatchObject({
        code: "PLAN_INVALID",
        where: { component: "db", field },
        message: expect.stringContaining(text) as unknown,
      });

    await fails({ dataDir: tempDir("notpg") }, "pitr.dataDir", "is not a PostgreSQL data directory");
    // A real data directory, but not the one the server at the url runs on.
    const other = snapshotOf(checkpoint).baseBackup ?? "";
    await fails({ dataDir: other }, "pitr.dataDir", `but the server at the component's url runs on`);
    await fails({}, "pitr.pgBin", "no pg_ctl in /nonexistent", { BACKOUT_PG_BIN: "/nonexistent" });
    const noArchive = {
      ...checkpoint,
      details: {
        ...checkpoint.details,
        snapshot: { ...snapshotOf(checkpoint), walArchive: "/nonexistent-wal" },
      },
    };
    await expect(planSteps(withPitr({}), noArchive)).rejects.toMatchObject({
      where: { field: "pitr.walArchive" },
      message: "the WAL archive /nonexistent-wal does not exist",
    });
    const ok = await planSteps(withPitr({}), checkpoint);
    expect(ok.map((s) => s.action)).toEqual(["capture-changes", "restore-snapshot", "replay-changes"]);
    expect(ok[1]?.description).toContain("to restore point");
  });

  it("warns at checkpoint and in the plan when no replication slot is free for the settle step", async () => {
    const { ctx, dir } = await restoreApp(cluster, "noslot");
    const free = async (): Promise<number> => {
      const [r] = await cluster.sql(
        "SELECT current_setting('max_replication_slots')::int - count(*)::int AS n FROM pg_replication_slots",
      );
      return Number(r?.n);
    };
    const first = await checkpointPostgres(ctx, "c-1");
    expect(String(first.details?.note)).not.toContain("no replication slot is free");
    // Every slot but one taken by something else; the next checkpoint's own slot takes the last.
    const fillers = (await free()) - 1;
    await cluster.sql(
      "SELECT pg_create_physical_replication_slot('filler_' || g) FROM generate_series(1, $1::int) g",
      [fillers],
    );
    try {
      const second = await checkpointPostgres(ctx, "c-2");
      expect(await free()).toBe(0);
      expect(String(second.details?.note)).toMatch(
        /WARNING: no replication slot is free \(max_replication_slots = \d+, all in use\)/,
      );
      await migrateUp(cluster, "noslot", "dbmate", dir, 4);
      const steps = await planSteps(ctx, second);
      expect(steps[1]?.action).toBe("restore-snapshot");
      expect(steps[1]?.description).toContain("WARNING: no replication slot is free");
      // One slot free again: nothing to warn about.
      await cluster.sql("SELECT pg_drop_replication_slot('filler_1')");
      const again = await planSteps(ctx, second);
      expect(again[1]?.description).not.toContain("no replication slot is free");
    } finally {
      await cluster.sql(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'filler\\_%'",
      );
    }
  });
});
