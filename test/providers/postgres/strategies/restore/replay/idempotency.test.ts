/**
 * A replay interrupted between batches (a failing batch, a connection killed mid-batch, a
 * stop), then resumed, ends exactly where an uninterrupted replay ends: whole tables, archive,
 * progress counts and sequences compared.
 */
import type pg from "pg";
import { describe, expect, it } from "vitest";
import {
  replayChanges,
  type ReplayOptions,
} from "../../../../../../src/providers/postgres/strategies/restore/replay/index.js";
import type { ReplaySummary } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/types.js";
import { useCluster } from "../../../../../support/postgres.js";
import { archiveRows, storeOf, tableRows } from "./fixture.js";
import { WORKLOAD_SCHEMA, workload } from "./workload.js";

const cluster = useCluster();

async function restored(name: string): Promise<pg.Client> {
  await cluster.createDatabase(name);
  const db = await cluster.connect(name);
  await db.query(WORKLOAD_SCHEMA);
  return db;
}

interface EndState {
  users: string[];
  orders: string[];
  migrations: string[];
  archive: unknown[];
  sequences: unknown[];
}

async function endState(db: pg.Client, rollbackId: string): Promise<EndState> {
  const seqs = await db.query(
    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
  );
  return {
    users: await tableRows(db, "users"),
    orders: await tableRows(db, "orders"),
    migrations: await tableRows(db, "schema_migrations"),
    archive: await archiveRows(db, rollbackId),
    sequences: seqs.rows,
  };
}

const opts = (rollbackId: string, extra: Partial<ReplayOptions> = {}): ReplayOptions => ({
  rollbackId,
  archiveSchema: "backout_archive",
  exclude: [],
  historyTables: ["schema_migrations"],
  batchSize: 100,
  ...extra,
});

describe("replay idempotency", () => {
  it("resumes after a failed batch, a killed connection and a stop, to the same end state", async () => {
    const log = workload(3000);
    const { store, dispose } = storeOf(log.changes);
    const reference = await restored("reference");
    let db = await restored("resumed");
    try {
      const expected = await replayChanges(reference, store, opts("rb"));
      expect(expected.invariantHolds, expected.invariantDetail).toBe(true);
      const want = await endState(reference, "rb");
      expect(want.users.length).toBeGreaterThan(1000);
      // New-column values (users.nickname) the app wrote: archived with their keys.
      expect(want.archive.length).toBeGreaterThan(50);

      // 1. A batch fails after its statements ran, before COMMIT: it must leave no trace.
      const failing = replayChanges(
        db,
        store,
        opts("rb", {
          onBatch: ({ batch }) => {
            if (batch === 3) throw new Error("simulated crash in batch 3");
          },
        }),
      );
      await expect(failing).rejects.toThrow(/simulated crash/);
      const progress = async (): Promise<number> =>
        Number(
          (await db.query<{ last_seq: string }>("SELECT last_seq FROM backout_archive.replay_progress"))
            .rows[0]?.last_seq,
        );
      expect(await progress()).toBe(200);

      // 2. The connection dies in the middle of a batch (as when backout is SIGKILLed).
      const killer = await cluster.connect("postgres");
      db.on("error", () => undefined);
      const pid = (await db.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      const killed = replayChanges(
        db,
        store,
        opts("rb", {
          onBatch: async ({ batch }) => {
            if (batch === 4) await killer.query("SELECT pg_terminate_backend($1)", [pid]);
          },
        }),
      );
      await expect(killed).rejects.toThrow();
      await killer.end();
      await db.end().catch(() => undefined);
      db = await cluster.connect("resumed");
      expect(await progress()).toBe(500);

      // 3. Stopped after a few batches, then 4. finished with another batch size, 5. run again.
      const stopped = await replayChanges(db, store, opts("rb", { stopAfterBatches: 5 }));
      expect(stopped.invariantHolds).toBe(false);
      expect(await progress()).toBe(1000);
      const finished = await replayChanges(db, store, opts("rb", { batchSize: 350 }));
      const again = await replayChanges(db, store, opts("rb"));

      for (const s of [finished, again] as ReplaySummary[]) {
        expect(s.invariantHolds, s.invariantDetail).toBe(true);
        expect(s.tables).toEqual(expected.tables);
        expect(s.window).toEqual(expected.window);
      }
      expect(await endState(db, "rb")).toEqual(want);
    } finally {
      dispose();
      await reference.end();
      await db.end().catch(() => undefined);
    }
  });
});
