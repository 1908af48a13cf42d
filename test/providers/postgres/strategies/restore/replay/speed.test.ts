/**
 * Replay of 50,000 captured changes (inserts, updates, deletes over two tables, 1–5 per
 * transaction) at the default batch size, onto a fresh database: the invariant must hold. The
 * rate is printed for the record only; the speed goal (50,000 rows/s) is measured by
 * bench/postgres-replay.ts, since a floor here failed whenever the machine was loaded.
 */
import { describe, expect, it } from "vitest";
import { replayChanges } from "../../../../../../src/providers/postgres/strategies/restore/replay/index.js";
import type { CaptureStore } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/types.js";
import { useCluster } from "../../../../../support/postgres.js";
import { storeOf } from "./fixture.js";
import { WORKLOAD_SCHEMA, workload } from "./workload.js";

const CHANGES = 50_000;

const cluster = useCluster();

/** One replay of the whole store onto a fresh database: rows per second. */
async function round(n: number, store: CaptureStore): Promise<number> {
  await cluster.createDatabase(`speed${n}`);
  const db = await cluster.connect(`speed${n}`);
  try {
    await db.query(WORKLOAD_SCHEMA);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const summary = await replayChanges(db, store, {
      rollbackId: "speed",
      archiveSchema: "backout_archive",
      exclude: [],
      historyTables: ["schema_migrations"],
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    expect(summary.invariantHolds, summary.invariantDetail).toBe(true);
    const rate = Math.round(store.count() / seconds);
    console.log(
      `replay round ${n}: ${store.count()} changes in ${seconds.toFixed(2)} s = ${rate} rows/s; ` +
        `node CPU ${((used.user + used.system) / 1e6).toFixed(2)} s (${summary.invariantDetail})`,
    );
    return rate;
  } finally {
    await db.end();
  }
}

describe("replay of a large capture", () => {
  it(`replays ${CHANGES} changes with the invariant holding (rate printed, goal in bench/)`, async () => {
    const { store, dispose } = storeOf(workload(CHANGES).changes);
    try {
      expect(store.count()).toBeGreaterThanOrEqual(CHANGES);
      expect(await round(1, store)).toBeGreaterThan(0);
    } finally {
      dispose();
    }
  });
});
