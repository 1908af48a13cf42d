import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPostgres } from "../support/postgres.js";
import { cli } from "../e2e/cli.js";
import { LOGICAL, replayEnvironment, schemaOf, SEEDED } from "./environment.js";
import { checkWrites } from "./expect-writes.js";
import { startLoad } from "./load.js";

const STEPS = ["db#1:capture-changes", "db#2:restore-snapshot", "db#3:replay-changes"];

interface PlanJson {
  hash: string;
  dataLoss: boolean;
  steps: { id: string; risk: { dataLoss: boolean; summary: string } }[];
}

describe("restore-and-replay through the CLI: a bad deploy under load, then back to the checkpoint with every write", () => {
  let pg: PgCluster;
  beforeAll(async () => {
    pg = await startPostgres({ settings: LOGICAL });
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it("loses no committed write, does not replay the backfill, and brings back the checkpoint's schema", async () => {
    const env = await replayEnvironment(pg, "main");
    const load = startLoad({
      url: env.url,
      writers: 4,
      maxWrites: 20_000,
      maxMs: 60_000,
      seededUsers: SEEDED.users,
      seededOrders: SEEDED.orders,
      pauseMs: 1,
    });
    // Before the checkpoint, during it (the dump's snapshot and the slot must agree), and after.
    await load.reached(100);
    const schemaBefore = await schemaOf(pg, env.db);
    const cp = await cli(["checkpoint", "--good", "--name", "before-deploy"], { cwd: env.dir });
    expect(cp.exitCode, cp.stderr).toBe(0);
    await load.reached(load.log.length + 300);
    const deployedAt = Date.now();
    // Not execFileSync: a writer between UPDATE and COMMIT needs the event loop, or ALTER TABLE waits forever.
    await env.deployAsync(); // ADD COLUMN nickname + backfill, while the writers write
    load.useNickname(true); // the new release writes the new column
    await load.reached(load.log.length + 300);

    const plan = JSON.parse((await cli(["plan", "--json"], { cwd: env.dir })).stdout) as PlanJson;
    expect(plan.steps.map((s) => s.id)).toEqual(STEPS);
    expect(plan.dataLoss).toBe(false);

    // The writers keep writing through the rollback (without the new column, as an app that
    // works on both schemas would), across the swap, and after it.
    load.useNickname(false);
    const runStarted = Date.now();
    const run = await cli(["run", "--json"], { cwd: env.dir });
    const runEnded = Date.now();
    expect(run.exitCode, run.stderr + run.stdout.slice(-3000)).toBe(0);
    await load.reached(load.log.length + 200);
    const log = await load.stop();
    // A COMMIT cut off by the swap has an unknown outcome: the app was promised nothing.
    const uncertain = new Set(load.uncertain);
    const promised = log.filter((w) => !uncertain.has(w));
    const during = promised.filter((w) => w.committedAt >= runStarted && w.committedAt <= runEnded).length;
    const after = promised.filter((w) => w.committedAt > runEnded).length;
    console.log(
      `restore-and-replay under load: ${promised.length} committed writes logged (${during} during the rollback, ${after} after it), ${load.uncertain.length} with an unknown outcome`,
    );
    expect(during).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(0);

    const client = await pg.connect(env.db);
    try {
      const check = await checkWrites(client, promised, SEEDED, "backout_archive", deployedAt);
      expect(check.lost.slice(0, 5)).toEqual([]);
      expect(check.unexpected.slice(0, 5)).toEqual([]);
      // Only rows users wrote after the deploy have archived nickname values: the backfill's are not.
      expect(check.foreignArchived.slice(0, 5)).toEqual([]);
      const nickWrites = log.filter((w) => w.values.nickname !== undefined).length;
      expect(nickWrites).toBeGreaterThan(0);
      // The sequences were advanced past the replayed ids: a new insert does not collide.
      await client.query("INSERT INTO users (email, name) VALUES ('new@example.com', 'new')");
      await client.query("INSERT INTO orders (user_id, amount, status) VALUES (1, 1, 'open')");
    } finally {
      await client.end();
    }
    expect(await schemaOf(pg, env.db)).toEqual(schemaBefore);
    expect(await pg.sql("SELECT version FROM schema_migrations", [], env.db)).toEqual([
      { version: "20240101000001" },
    ]);
    // The pre-rollback database is kept (for `backout archive prune`).
    const kept = await pg.sql("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `${env.db}__before_%`,
    ]);
    expect(kept).toHaveLength(1);

    // The replay summary is the step's output (in the journal: run --json shows it).
    expect(run.stdout).toMatch(/users: \d+ replayed, \d+ archived, \d+ skipped/);
    expect(run.stdout).toMatch(/invariant holds/);
    // ... checked against the restored tables too, row by row, with rows found.
    expect(run.stdout).toMatch(/checked against the tables: [1-9]\d* rows present with the values written/);
    // The new column's values users wrote are listed and shown with their keys.
    const partial = Number(/\((\d+) with columns archived\)/.exec(run.stdout)?.[1]);
    expect(partial).toBeGreaterThan(0);
    const list = await cli(["archive", "list"], { cwd: env.dir });
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/writes a replay could not put back/);
    expect(list.stdout).toMatch(new RegExp(`public\\.users +${partial} +values of the missing columns`));
    const shown = await cli(["archive", "show", "replay_unmapped", "--json", "--limit", "3"], {
      cwd: env.dir,
    });
    const view = JSON.parse(shown.stdout) as { total: number; rows: { keys: object; values: object }[] };
    expect(view.total).toBe(partial);
    expect(view.rows).toHaveLength(3);
    expect(Object.keys(view.rows[0]?.values ?? {})).toEqual(["nickname"]);
    expect(Object.keys(view.rows[0]?.keys ?? {})).toEqual(["id"]);
    // The backfill (one transaction, with the history row) was skipped, not replayed.
    const skipped = Number(/(\d+) migration changes not replayed/.exec(run.stdout)?.[1]);
    expect(skipped).toBeGreaterThanOrEqual(SEEDED.users / 2);
  });

  it("a slot that disappeared: the plan says data loss, and run without confirmation exits 3 and changes nothing", async () => {
    const env = await replayEnvironment(pg, "noslot");
    const cp = await cli(["checkpoint", "--good", "--name", "before-deploy"], { cwd: env.dir });
    expect(cp.exitCode, cp.stderr).toBe(0);
    env.deploy();
    await pg.sql("INSERT INTO users (email, name) VALUES ('late@example.com', 'late')", [], env.db);
    const dropped = await pg.sql(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1",
      [env.db],
    );
    expect(dropped).toHaveLength(1);

    const plan = JSON.parse((await cli(["plan", "--json"], { cwd: env.dir })).stdout) as PlanJson;
    expect(plan.dataLoss).toBe(true);
    expect(plan.steps.find((s) => s.risk.dataLoss)?.risk.summary).toMatch(
      /writes since the checkpoint cannot be replayed/,
    );
    const before = await schemaOf(pg, env.db);
    const run = await cli(["run"], { cwd: env.dir });
    expect(run.exitCode, run.stderr).toBe(3);
    expect(await schemaOf(pg, env.db)).toEqual(before);
    expect(await pg.sql("SELECT count(*)::int AS n FROM users", [], env.db)).toEqual([
      { n: SEEDED.users + 1 },
    ]);
    const extra = await pg.sql("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${env.db}\\_\\_%`]);
    expect(extra).toEqual([]);
  });
});
