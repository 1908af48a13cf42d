/**
 * `backout drill --restore` through the CLI against a real cluster: it restores the checkpoint's
 * dump into a scratch database, replays a copy of the writes since, checks the invariant and
 * the schema, and leaves the slot, the live database and the server as they were — so a real
 * rollback afterwards still has every write. Without the slot it says the rollback would lose data.
 */
import { describe, expect, it } from "vitest";
import { cli } from "../e2e/cli.js";
import { useCluster } from "../support/postgres.js";
import { LOGICAL, replayEnvironment, SEEDED } from "./environment.js";

describe("backout drill --restore", () => {
  const pg = useCluster({ settings: LOGICAL });

  it("drills restore-and-replay on a scratch database and leaves the slot for the real rollback", async () => {
    const env = await replayEnvironment(pg, "drill");
    const cp = await cli(["checkpoint", "--good", "--name", "before-deploy"], { cwd: env.dir });
    expect(cp.exitCode, cp.stderr).toBe(0);
    expect(cp.stdout).toMatch(/db: dump .*\.dump \(\d+\.\d MiB\), slot backout_drill_/);
    await pg.sql(
      "INSERT INTO users (email, name) SELECT 'd' || g || '@x', 'd' FROM generate_series(1, 300) g",
      [],
      env.db,
    );
    env.deploy(); // ADD COLUMN nickname + backfill
    await pg.sql("UPDATE users SET nickname = 'nick', name = 'changed' WHERE id <= 50", [], env.db);
    await pg.sql("DELETE FROM orders WHERE id <= 10", [], env.db);
    const slotAt = async () =>
      (
        await pg.sql(
          "SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name LIKE $1",
          [`${env.slot}_%`],
        )
      ).map((r) => String(r.lsn));
    const before = await slotAt();
    expect(before).toHaveLength(1);

    const drill = await cli(["drill", "--restore"], { cwd: env.dir });
    expect(drill.exitCode, drill.stdout + drill.stderr).toBe(0);
    console.log(drill.stdout);
    expect(drill.stdout).toMatch(/restore drill of db to checkpoint before-deploy \(c-[^)]+\): clean/);
    const changes = Number(/writes since the checkpoint: (\d+) changes/.exec(drill.stdout)?.[1]);
    // 300 inserts, 50 user updates, 10 deletes, and the backfill (skipped, but in the slot).
    expect(changes).toBeGreaterThanOrEqual(360 + SEEDED.users);
    expect(drill.stdout).toMatch(/invariant holds/);
    expect(drill.stdout).toMatch(/checked against the tables: \d+ rows present/);
    expect(drill.stdout).toMatch(/schema: the checkpoint's/);

    // Only read: the slot did not move, no scratch database is left, the live data is as it was.
    expect(await slotAt()).toEqual(before);
    expect(await pg.sql("SELECT datname FROM pg_database WHERE datname LIKE '%drill%'")).toEqual([
      { datname: "app_drill" },
    ]);
    expect(await pg.sql("SELECT count(*)::int AS n FROM users WHERE nickname = 'nick'", [], env.db)).toEqual([
      { n: 50 },
    ]);

    // The real rollback still finds every write in the slot.
    const run = await cli(["run", "--json"], { cwd: env.dir });
    expect(run.exitCode, run.stderr + run.stdout.slice(-2000)).toBe(0);
    expect(run.stdout).toMatch(/invariant holds/);
    expect(await pg.sql("SELECT count(*)::int AS n FROM users WHERE name = 'changed'", [], env.db)).toEqual([
      { n: 50 },
    ]);

    // The rollback used the slot up: a drill now says a restore would lose the writes.
    const after = await cli(["drill", "--restore", "--json"], { cwd: env.dir });
    expect(after.exitCode).toBe(1);
    const report = JSON.parse(after.stdout) as { clean: boolean; components: { problems: string[] }[] };
    expect(report.clean).toBe(false);
    expect(report.components[0]?.problems.join(" ")).toMatch(/replication slot .* is gone/);
  });
});
