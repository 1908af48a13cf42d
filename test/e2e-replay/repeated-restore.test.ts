/**
 * Three restore rollbacks of one database in a row (a new checkpoint and the same bad deploy
 * each time), in both modes, writers running throughout. Rollback ids of one week share their
 * first letters and digits; copies named after those made the second rollback find the first
 * one's copy, print "already restored", skip the restore and replay old changes onto the
 * serving database. keepBefore: 2 keeps the two newest pre-rollback copies, `status` shows them
 * with their size, and the PITR copy serves on the configured sparePort.
 */
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "../e2e/cli.js";
import { freePort } from "../support/free-port.js";
import { type PgCluster, startPostgres } from "../support/postgres.js";
import { LOGICAL, replayEnvironment } from "./environment.js";
import { dataDirs, pitrEnvironment, type PitrCluster, startPitrCluster } from "./pitr-environment.js";
import { rollbacksInARow } from "./repeated-rollbacks.js";

describe("three restore rollbacks of one database in a row, writers running", () => {
  let pg: PgCluster | undefined;
  let cluster: PitrCluster | undefined;
  afterAll(async () => {
    await pg?.stop();
    cluster?.stop();
  });

  it("dump mode: each rollback restores, replays and keeps its own pre-rollback database (the 2 newest)", async () => {
    pg = await startPostgres({ settings: LOGICAL });
    const server = pg;
    const env = await replayEnvironment(server, "again", { keepBefore: 2 });
    const r = await rollbacksInARow(server, () => server.connect(env.db), env, 3);
    console.log(`dump mode, 3 rollbacks in a row: ${r.promised} committed writes checked`);
    const kept = await server.sql("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `${env.db}\\_\\_before\\_%`,
    ]);
    expect(kept).toHaveLength(2);
    expect(r.outputs[2]).toMatch(/keepBefore 2: removed the older pre-rollback copies app_again__before_/);
    const status = await cli(["status", "--json"], { cwd: env.dir });
    const shown = JSON.parse(status.stdout) as {
      keptCopies: { component: string; count: number; bytes: number }[];
    };
    expect(shown.keptCopies).toEqual([{ component: "db", count: 2, bytes: expect.any(Number) as number }]);
    expect(shown.keptCopies[0]?.bytes).toBeGreaterThan(1_000_000);
    const text = await cli(["status"], { cwd: env.dir });
    expect(text.stdout).toMatch(
      /kept pre-rollback copies of db: 2 \(\d+\.\d MiB; `backout archive prune` removes them\)/,
    );
  }, 400_000);

  it("PITR mode: each rollback recovers, replays and keeps its own pre-rollback data directory", async () => {
    cluster = await startPitrCluster();
    const server = cluster;
    const sparePort = await freePort();
    const env = await pitrEnvironment(server, "again", { sparePort, keepBefore: 2 });
    const r = await rollbacksInARow(server, () => server.connect(env.db), env, 3);
    console.log(`PITR mode, 3 rollbacks in a row: ${r.promised} committed writes checked`);
    for (const o of r.outputs) expect(o).toContain(`the recovered copy served on 127.0.0.1:${sparePort}`);
    expect(dataDirs(server).filter((d) => d.startsWith("data__before_"))).toHaveLength(2);
    expect(dataDirs(server).filter((d) => d.startsWith("data__restored_"))).toEqual([]);
  }, 500_000);
});
