/**
 * Several restore rollbacks of one database in a row, each after a new checkpoint and the same
 * bad deploy, while one load keeps writing through all of them. Every rollback must restore
 * (not find an earlier rollback's copy and call itself done) and replay; at the end every write
 * the load was promised is in the live tables or the archive.
 */
import type pg from "pg";
import { expect } from "vitest";
import { cli } from "../e2e/cli.js";
import type { PgCluster } from "../support/postgres.js";
import { type ReplayEnv, schemaOf, SEEDED } from "./environment.js";
import { checkWrites } from "./expect-writes.js";
import { startLoad } from "./load.js";

export interface Rounds {
  /** The `run --json` output of each rollback. */
  outputs: string[];
  promised: number;
  uncertain: number;
}

export async function rollbacksInARow(
  server: Pick<PgCluster, "sql">,
  connect: () => Promise<pg.Client>,
  env: ReplayEnv,
  rounds: number,
): Promise<Rounds> {
  const load = startLoad({
    url: env.url,
    writers: 3,
    maxWrites: 60_000,
    maxMs: 400_000,
    seededUsers: SEEDED.users,
    seededOrders: SEEDED.orders,
    pauseMs: 2,
  });
  const schemaBefore = await schemaOf(server, env.db);
  let deployedAt = 0;
  const outputs: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    await load.reached(load.log.length + 100);
    const cp = await cli(["checkpoint", "--good", "--name", `before-deploy-${round}`], { cwd: env.dir });
    expect(cp.exitCode, cp.stderr).toBe(0);
    await load.reached(load.log.length + 200);
    deployedAt ||= Date.now();
    await env.deployAsync();
    load.useNickname(true);
    await load.reached(load.log.length + 200);
    load.useNickname(false);
    const run = await cli(["run", "--json"], { cwd: env.dir });
    expect(run.exitCode, `round ${round}: ${run.stderr}${run.stdout.slice(-3000)}`).toBe(0);
    outputs.push(run.stdout);
    // Restored and replayed before its swap, not "already restored" by an earlier rollback's copy.
    expect(run.stdout, `round ${round}`).not.toMatch(/already restored/);
    expect(run.stdout, `round ${round}`).toMatch(/invariant holds/);
    expect(await schemaOf(server, env.db)).toEqual(schemaBefore);
  }
  await load.reached(load.log.length + 200);
  const log = await load.stop();
  const uncertain = new Set(load.uncertain);
  const promised = log.filter((w) => !uncertain.has(w));
  const client = await connect();
  try {
    const check = await checkWrites(client, promised, SEEDED, "backout_archive", deployedAt);
    expect(check.lost.slice(0, 5)).toEqual([]);
    expect(check.unexpected.slice(0, 5)).toEqual([]);
  } finally {
    await client.end();
  }
  return { outputs, promised: promised.length, uncertain: uncertain.size };
}
