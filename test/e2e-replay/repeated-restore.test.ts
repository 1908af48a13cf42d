/**
 * Three restore rollbacks of one database in a row (a new checkpoint and the same bad deploy
 * each time), in both modes, writers running throughout. Rollback ids of one week share their
 * first letters and digits; copies named after those made the second rollback find the first
 * one's copy, print "already restored", skip the restore and replay old changes onto the
 * serving database.
 */
import { afterAll, describe, expect, it } from "vitest";
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

  it("dump mode: each rollback restores, replays and keeps its own pre-rollback database", async () => {
    pg = await startPostgres({ settings: LOGICAL });
    const server = pg;
    const env = await replayEnvironment(server, "again");
    const r = await rollbacksInARow(server, () => server.connect(env.db), env, 3);
    console.log(`dump mode, 3 rollbacks in a row: ${r.promised} committed writes checked`);
    const kept = await server.sql("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `${env.db}\\_\\_before\\_%`,
    ]);
    expect(kept).toHaveLength(3);
  }, 400_000);

  it("PITR mode: each rollback recovers, replays and keeps its own pre-rollback data directory", async () => {
    cluster = await startPitrCluster();
    const server = cluster;
    const env = await pitrEnvironment(server, "again");
    const r = await rollbacksInARow(server, () => server.connect(env.db), env, 3);
    console.log(`PITR mode, 3 rollbacks in a row: ${r.promised} committed writes checked`);
    expect(dataDirs(server).filter((d) => d.startsWith("data__before_"))).toHaveLength(3);
    expect(dataDirs(server).filter((d) => d.startsWith("data__restored_"))).toEqual([]);
  }, 500_000);
});
