import { describe, expect, it } from "vitest";
import { useCluster } from "../support/postgres.js";
import { cli } from "../e2e/cli.js";
import { LOGICAL, replayEnvironment, schemaOf, SEEDED } from "./environment.js";
import { expectNothingLost, rollbackUnderLoad } from "./rollback-under-load.js";

interface PlanJson {
  hash: string;
  dataLoss: boolean;
  steps: { id: string; risk: { dataLoss: boolean; summary: string } }[];
}

describe("restore-and-replay through the CLI: a bad deploy under load, then back to the checkpoint with every write", () => {
  const pg = useCluster({ settings: LOGICAL });

  it("loses no committed write, does not replay the backfill, and brings back the checkpoint's schema", async () => {
    const env = await replayEnvironment(pg, "main");
    const r = await rollbackUnderLoad(pg, env, { maxWrites: 20_000, maxMs: 60_000 });
    console.log(
      `restore-and-replay under load: ${r.promised.length} committed writes logged (${r.during} during the rollback, ${r.after} after it), ${r.uncertain} with an unknown outcome`,
    );
    const client = await pg.connect(env.db);
    try {
      await expectNothingLost(client, pg, env, r);
    } finally {
      await client.end();
    }
    const run = r.run;
    // The pre-rollback database is kept (for `backout archive prune`).
    const kept = await pg.sql("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `${env.db}__before_%`,
    ]);
    expect(kept).toHaveLength(1);

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
