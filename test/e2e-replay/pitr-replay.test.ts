import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataDirs, pitrEnvironment, type PitrCluster, startPitrCluster } from "./pitr-environment.js";
import { expectNothingLost, rollbackUnderLoad } from "./rollback-under-load.js";

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
    // The writers also write while the copy recovers, while the live database is blocked and
    // the server restarts (they reconnect), and after.
    const r = await rollbackUnderLoad(cluster, env, { maxWrites: 30_000, maxMs: 110_000 });
    const timings =
      /recovered .* in (\d+) ms; replay (\d+) ms in (\d+) passes \(of which the check of the tables \d+ ms\); the database refused connections for (\d+) ms \((\d+) sessions ended\) of which the server was down (\d+) ms/.exec(
        r.run.stdout,
      );
    const stored = /(\d+) changes? captured since the checkpoint/.exec(r.run.stdout)?.[1];
    console.log(
      `PITR restore-and-replay under load: rollback ${r.runMs} ms; recovery ${timings?.[1]} ms, replay ${timings?.[2]} ms in ${timings?.[3]} passes (${stored} captured changes), database blocked ${timings?.[4]} ms (${timings?.[5]} sessions ended), server down ${timings?.[6]} ms; ${r.promised.length} committed writes logged (${r.during} during the rollback, ${r.after} after it), ${r.uncertain} with an unknown outcome`,
    );
    expect(timings, r.run.stdout.slice(-3000)).not.toBeNull();

    const client = await cluster.connect(env.db);
    try {
      await expectNothingLost(client, cluster, env, r);
      // A promoted recovery, not a server still replaying WAL.
      const rec = await client.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r");
      expect(rec.rows[0]?.r).toBe(false);
    } finally {
      await client.end();
    }
    // The pre-rollback data directory is kept (for `backout archive prune`), the copy is in place.
    expect(dataDirs(cluster)).toEqual(["data", expect.stringMatching(/^data__before_/) as string]);
  }, 180_000);
});
