import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../e2e/cli.js";
import { schemaOf, SEEDED } from "./environment.js";
import { checkWrites } from "./expect-writes.js";
import { startLoad } from "./load.js";
import { dataDirs, pitrEnvironment, type PitrCluster, startPitrCluster } from "./pitr-environment.js";

const STEPS = ["db#1:capture-changes", "db#2:restore-snapshot", "db#3:replay-changes"];

interface PlanJson {
  dataLoss: boolean;
  steps: { id: string; risk: { dataLoss: boolean; summary: string } }[];
}

describe("PITR restore-and-replay through the CLI: a bad deploy under load, then back to the checkpoint with every write", () => {
  let cluster: PitrCluster;
  beforeAll(async () => {
    cluster = await startPitrCluster();
  });
  afterAll(() => {
    cluster?.stop();
  });

  it("loses no committed write, does not replay the backfill, and brings back the checkpoint's schema", async () => {
    const env = await pitrEnvironment(cluster, "pitr");
    const load = startLoad({
      url: env.url,
      writers: 4,
      maxWrites: 30_000,
      maxMs: 110_000,
      seededUsers: SEEDED.users,
      seededOrders: SEEDED.orders,
      pauseMs: 1,
    });
    // Before the checkpoint, during it (base backup, slot, restore point), and after.
    await load.reached(100);
    const schemaBefore = await schemaOf(cluster, env.db);
    const cp = await cli(["checkpoint", "--good", "--name", "before-deploy"], { cwd: env.dir });
    expect(cp.exitCode, cp.stderr).toBe(0);
    await load.reached(load.log.length + 300);
    const deployedAt = Date.now();
    await env.deployAsync(); // ADD COLUMN nickname + backfill, while the writers write
    load.useNickname(true); // the new release writes the new column
    await load.reached(load.log.length + 300);

    const plan = JSON.parse((await cli(["plan", "--json"], { cwd: env.dir })).stdout) as PlanJson;
    expect(plan.steps.map((s) => s.id)).toEqual(STEPS);
    expect(plan.dataLoss).toBe(false);

    // The writers keep writing through the rollback (without the new column, as an app that
    // works on both schemas would): while the copy recovers, while the live database is
    // blocked and the server restarts (they reconnect), and after.
    load.useNickname(false);
    const runStarted = Date.now();
    const run = await cli(["run", "--json"], { cwd: env.dir });
    const runEnded = Date.now();
    expect(run.exitCode, run.stderr + run.stdout.slice(-3000)).toBe(0);
    await load.reached(load.log.length + 200);
    const log = await load.stop();
    const uncertain = new Set(load.uncertain);
    const promised = log.filter((w) => !uncertain.has(w));
    const during = promised.filter((w) => w.committedAt >= runStarted && w.committedAt <= runEnded).length;
    const after = promised.filter((w) => w.committedAt > runEnded).length;
    const timings =
      /recovered .* in (\d+) ms; replay (\d+) ms in (\d+) passes \(of which the check of the tables \d+ ms\); the database refused connections for (\d+) ms \((\d+) sessions ended\) of which the server was down (\d+) ms/.exec(
        run.stdout,
      );
    const stored = /(\d+) changes? captured since the checkpoint/.exec(run.stdout)?.[1];
    console.log(
      `PITR restore-and-replay under load: rollback ${runEnded - runStarted} ms; recovery ${timings?.[1]} ms, replay ${timings?.[2]} ms in ${timings?.[3]} passes (${stored} captured changes), database blocked ${timings?.[4]} ms (${timings?.[5]} sessions ended), server down ${timings?.[6]} ms; ${promised.length} committed writes logged (${during} during the rollback, ${after} after it), ${load.uncertain.length} with an unknown outcome`,
    );
    expect(timings, run.stdout.slice(-3000)).not.toBeNull();
    expect(during).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(0);

    const client = await cluster.connect(env.db);
    try {
      const check = await checkWrites(client, promised, SEEDED, "backout_archive", deployedAt);
      expect(check.lost.slice(0, 5)).toEqual([]);
      expect(check.unexpected.slice(0, 5)).toEqual([]);
      // Only rows users wrote after the deploy have archived nickname values: the backfill's are not.
      expect(check.foreignArchived.slice(0, 5)).toEqual([]);
      expect(log.filter((w) => w.values.nickname !== undefined).length).toBeGreaterThan(0);
      // The sequences were advanced past the replayed ids: a new insert does not collide.
      await client.query("INSERT INTO users (email, name) VALUES ('new@example.com', 'new')");
      await client.query("INSERT INTO orders (user_id, amount, status) VALUES (1, 1, 'open')");
      // A promoted recovery, not a server still replaying WAL.
      const rec = await client.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r");
      expect(rec.rows[0]?.r).toBe(false);
    } finally {
      await client.end();
    }
    expect(await schemaOf(cluster, env.db)).toEqual(schemaBefore);
    expect(await cluster.sql("SELECT version FROM schema_migrations", [], env.db)).toEqual([
      { version: "20240101000001" },
    ]);
    // The pre-rollback data directory is kept (for `backout archive prune`), the copy is in place.
    expect(dataDirs(cluster)).toEqual(["data", expect.stringMatching(/^data__before_/) as string]);

    expect(run.stdout).toMatch(/users: \d+ replayed, \d+ archived, \d+ skipped/);
    expect(run.stdout).toMatch(/invariant holds/);
    // The backfill (one transaction, with the history row) was skipped, not replayed.
    const skipped = Number(/(\d+) migration changes not replayed/.exec(run.stdout)?.[1]);
    expect(skipped).toBeGreaterThanOrEqual(SEEDED.users / 2);
  }, 180_000);
});
