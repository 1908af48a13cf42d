/**
 * The scenario both restore-and-replay modes are tested with through the CLI: writers commit
 * before, during and after the checkpoint, a bad deploy (add a column, backfill) with the app
 * writing the new column, then `backout run` while they keep writing (reconnecting across the
 * swap), and after it. Returns what the writers were promised; `expectNothingLost` checks it.
 */
import type pg from "pg";
import { expect } from "vitest";
import { cli, type CliResult } from "../e2e/cli.js";
import type { PgCluster } from "../support/postgres.js";
import { type ReplayEnv, schemaOf, SEEDED } from "./environment.js";
import { checkWrites } from "./expect-writes.js";
import { type LoggedWrite, startLoad } from "./load.js";

export const STEPS = ["db#1:capture-changes", "db#2:restore-snapshot", "db#3:replay-changes"];

interface PlanJson {
  dataLoss: boolean;
  steps: { id: string; risk: { dataLoss: boolean; summary: string } }[];
}

type Server = Pick<PgCluster, "sql">;

export interface UnderLoad {
  run: CliResult;
  /** Every write whose COMMIT returned (a COMMIT cut off by the swap promised nothing). */
  promised: LoggedWrite[];
  during: number;
  after: number;
  uncertain: number;
  runMs: number;
  deployedAt: number;
  schemaBefore: string[];
}

export async function rollbackUnderLoad(
  server: Server,
  env: ReplayEnv,
  limits: { maxWrites: number; maxMs: number },
): Promise<UnderLoad> {
  const load = startLoad({
    url: env.url,
    writers: 4,
    ...limits,
    seededUsers: SEEDED.users,
    seededOrders: SEEDED.orders,
    pauseMs: 1,
  });
  // Before the checkpoint, during it (the snapshot and the slot must agree), and after.
  await load.reached(100);
  const schemaBefore = await schemaOf(server, env.db);
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
  // works on both schemas would), across the swap, and after it.
  load.useNickname(false);
  const runStarted = Date.now();
  const run = await cli(["run", "--json"], { cwd: env.dir });
  const runEnded = Date.now();
  expect(run.exitCode, run.stderr + run.stdout.slice(-3000)).toBe(0);
  await load.reached(load.log.length + 200);
  const log = await load.stop();
  const uncertain = new Set(load.uncertain);
  const promised = log.filter((w) => !uncertain.has(w));
  const result = {
    run,
    promised,
    during: promised.filter((w) => w.committedAt >= runStarted && w.committedAt <= runEnded).length,
    after: promised.filter((w) => w.committedAt > runEnded).length,
    uncertain: uncertain.size,
    runMs: runEnded - runStarted,
    deployedAt,
    schemaBefore,
  };
  expect(result.during).toBeGreaterThan(0);
  expect(result.after).toBeGreaterThan(0);
  return result;
}

/** Every promised write in the live tables or the archive; the backfill not replayed; schema back. */
export async function expectNothingLost(
  client: pg.Client,
  server: Server,
  env: ReplayEnv,
  r: UnderLoad,
): Promise<void> {
  const check = await checkWrites(client, r.promised, SEEDED, "backout_archive", r.deployedAt);
  expect(check.lost.slice(0, 5)).toEqual([]);
  expect(check.unexpected.slice(0, 5)).toEqual([]);
  // Only rows users wrote after the deploy have archived nickname values: the backfill's are not.
  expect(check.foreignArchived.slice(0, 5)).toEqual([]);
  expect(r.promised.filter((w) => w.values.nickname !== undefined).length).toBeGreaterThan(0);
  // The sequences were advanced past the replayed ids: a new insert does not collide.
  await client.query("INSERT INTO users (email, name) VALUES ('new@example.com', 'new')");
  await client.query("INSERT INTO orders (user_id, amount, status) VALUES (1, 1, 'open')");
  expect(await schemaOf(server, env.db)).toEqual(r.schemaBefore);
  expect(await server.sql("SELECT version FROM schema_migrations", [], env.db)).toEqual([
    { version: "20240101000001" },
  ]);
  // The replay summary is the step's output (in the journal: run --json shows it).
  expect(r.run.stdout).toMatch(/users: \d+ replayed, \d+ archived, \d+ skipped/);
  expect(r.run.stdout).toMatch(/invariant holds/);
  // ... checked against the restored tables too, row by row, with rows found.
  expect(r.run.stdout).toMatch(/checked against the tables: [1-9]\d* rows present with the values written/);
  // The backfill (one transaction, with the history row) was skipped, not replayed.
  const skipped = Number(/(\d+) migration changes not replayed/.exec(r.run.stdout)?.[1]);
  expect(skipped).toBeGreaterThanOrEqual(SEEDED.users / 2);
}
