/**
 * The restore honours the step's signal (the rollback's time limit) at safe points only, and
 * takes its time from the injected clock: cancelled during the replay that runs while the live
 * database is blocked, nothing is swapped and the live database takes connections again; a
 * resume then finishes. A replay cancelled between batches keeps the batches it committed.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../../../src/core/clock.js";
import { BackoutError } from "../../../../../src/core/errors.js";
import { replayChanges } from "../../../../../src/providers/postgres/strategies/restore/replay/index.js";
import {
  restoreDump,
  restoreNames,
} from "../../../../../src/providers/postgres/strategies/restore/copy/index.js";
import { PG_BIN, useCluster } from "../../../../support/postgres.js";
import { storeOf } from "./replay/fixture.js";
import { WORKLOAD_SCHEMA, workload } from "./replay/workload.js";
import { appWithDump, count, dbNames, redact } from "./dump-fixture.js";

const cluster = useCluster();

describe("restore under the time limit", () => {
  it("a cancel while the live database is blocked stops before the swap, opens the live database again, and a resume finishes", async () => {
    const dump = await appWithDump(cluster, "cancel", 30);
    await cluster.sql("INSERT INTO items (label) VALUES ('after the checkpoint')", [], "cancel");
    const abort = new AbortController();
    const start = Date.parse("2026-12-01T10:00:00Z");
    const clock = new ManualClock(start);
    const runtime = { clock, signal: abort.signal };
    let hookRuns = 0;
    const options = {
      url: cluster.url("cancel"),
      dumpFile: dump,
      rollbackId: "RB-cancel-1",
      pgBin: PG_BIN,
      redact,
      runtime,
      beforeSwap: () => {
        hookRuns += 1;
        // The time limit passes while the last writes are being replayed.
        if (hookRuns === 1) abort.abort();
        return Promise.resolve();
      },
    };
    const error = await restoreDump(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackoutError);
    expect((error as BackoutError).code).toBe("STEP_CANCELLED");
    expect((error as BackoutError).message).toMatch(/cancelled before the swap/);
    // Nothing swapped: the live database is the old one, open again; the complete copy waits.
    expect(await count(cluster, "cancel")).toBe(31);
    const names = restoreNames("cancel", "RB-cancel-1");
    const rows = await cluster.sql("SELECT datname, datallowconn FROM pg_database WHERE datname = $1", [
      "cancel",
    ]);
    expect(rows).toEqual([{ datname: "cancel", datallowconn: true }]);
    expect(await dbNames(cluster, "cancel")).toEqual(["cancel", names.restored]);

    // Resumed (a new signal): the restore is not repeated, the swap happens.
    const resumed = await restoreDump({
      ...options,
      runtime: { clock, signal: new AbortController().signal },
    });
    expect(resumed).toMatchObject({ did: "restored", restoreMs: 0 });
    expect(await count(cluster, "cancel")).toBe(30);
    // The kept copy's mark carries the injected clock's time, not the host's.
    const [kept] = await cluster.sql(
      "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
      [names.before],
    );
    expect(String(kept?.comment)).toContain(`backout:before RB-cancel-1 ${new Date(start).toISOString()}:`);
  });

  it("a cancel before the restore touches nothing", async () => {
    const dump = await appWithDump(cluster, "early", 5);
    const abort = new AbortController();
    abort.abort();
    const error = await restoreDump({
      url: cluster.url("early"),
      dumpFile: dump,
      rollbackId: "RB-early",
      pgBin: PG_BIN,
      redact,
      runtime: { clock: new ManualClock(0), signal: abort.signal },
    }).catch((e: unknown) => e);
    expect((error as BackoutError).code).toBe("STEP_CANCELLED");
    expect(await dbNames(cluster, "early")).toEqual(["early"]);
  });

  it("a replay cancelled between batches keeps what it committed and resumes from there", async () => {
    const log = workload(1500);
    const { store, dispose } = storeOf(log.changes);
    await cluster.createDatabase("batches");
    const db = await cluster.connect("batches");
    try {
      await db.query(WORKLOAD_SCHEMA);
      const abort = new AbortController();
      const opts = {
        rollbackId: "rb",
        archiveSchema: "backout_archive",
        exclude: [],
        historyTables: ["schema_migrations"],
        batchSize: 100,
      };
      const error = await replayChanges(db, store, {
        ...opts,
        signal: abort.signal,
        onBatch: ({ batch }) => {
          if (batch === 2) abort.abort();
        },
      }).catch((e: unknown) => e);
      expect((error as BackoutError).code).toBe("STEP_CANCELLED");
      expect((error as BackoutError).message).toMatch(/before replay batch 3/);
      const progress = await db.query<{ last_seq: string }>(
        "SELECT last_seq FROM backout_archive.replay_progress WHERE rollback_id = 'rb'",
      );
      expect(Number(progress.rows[0]?.last_seq)).toBe(200);
      const done = await replayChanges(db, store, opts);
      expect(done.invariantHolds, done.invariantDetail).toBe(true);
    } finally {
      await db.end();
      dispose();
    }
  });
});
