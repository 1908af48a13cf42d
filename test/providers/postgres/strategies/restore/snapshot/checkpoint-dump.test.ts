import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCaptureStore } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/capture-store.js";
import { checkpointPostgres } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/checkpoint.js";
import {
  drainSlot,
  slotExists,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/drain.js";
import { captureFileFor } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/paths.js";
import { PG_BIN, type PgCluster } from "../../../../../support/postgres.js";
import { dbmateVersion, migrateUp, pgCtx, writeDbmate } from "../../../core/pg-fixture.js";
import { snapshotOf, startLogicalCluster, tempDir } from "./fixture.js";

let cluster: PgCluster;

beforeAll(async () => {
  cluster = await startLogicalCluster();
});
afterAll(async () => {
  await cluster.stop();
});

async function app(db: string) {
  const baseDir = tempDir("ckpt");
  await cluster.createDatabase(db);
  writeDbmate(join(baseDir, "migrations"));
  await migrateUp(cluster, db, "dbmate", join(baseDir, "migrations"), 2);
  const ctx = pgCtx(baseDir, { url: cluster.url(db), format: "dbmate", snapshot: "dump" });
  return { baseDir, ctx };
}

function restoreInto(file: string, db: string): void {
  execFileSync(join(PG_BIN, "pg_restore"), ["--no-owner", "--dbname", cluster.url(db), file], {
    stdio: "pipe",
  });
}

const ids = async (db: string): Promise<number[]> =>
  (await cluster.sql("SELECT id FROM users ORDER BY id", [], db)).map((r) => Number(r.id));

describe("checkpointPostgres (snapshot: dump)", () => {
  it("records a slot, a restore point and a dump of exactly the state at the slot", async () => {
    const { ctx } = await app("plain");
    await cluster.sql("INSERT INTO users (email) VALUES ('a@x'), ('b@x')", [], "plain");
    await cluster.sql("CREATE TABLE events (at timestamptz, what text)", [], "plain");
    const state = await checkpointPostgres(ctx, "c-20260101-000000-abcd");
    const snap = snapshotOf(state);
    expect(state.version).toBe(dbmateVersion(2));
    // Updates and deletes of a table without a key cannot be captured: recorded, so a plan can say so.
    expect(state.details?.uncapturedTables).toEqual(["public.events"]);
    // `backout checkpoint` prints this line: what was taken, and what replay cannot match.
    expect(state.details?.note).toMatch(
      /^dump \/.*\/db\/c-20260101-000000-abcd\.dump \(\d+\.\d MiB\), slot backout_db_c20260101000000abcd, restore point backout_db_c-20260101-000000-abcd; no primary key on public\.events: their updates and deletes will be archived, not replayed$/,
    );
    expect(state.details?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(snap).toMatchObject({
      mode: "dump",
      checkpointId: "c-20260101-000000-abcd",
      slot: "backout_db_c20260101000000abcd",
      database: "plain",
    });
    expect(snap.slotLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(snap.restoreLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(snap.restorePoint).toBe("backout_db_c-20260101-000000-abcd");
    expect(existsSync(snap.dumpFile ?? "")).toBe(true);
    const slots = await cluster.sql(
      "SELECT plugin, database FROM pg_replication_slots WHERE slot_name = $1",
      [snap.slot],
    );
    expect(slots).toEqual([{ plugin: "wal2json", database: "plain" }]);

    await cluster.createDatabase("plain_restored");
    restoreInto(snap.dumpFile ?? "", "plain_restored");
    expect(await ids("plain_restored")).toEqual([1, 2]);
    const versions = await cluster.sql(
      "SELECT version FROM schema_migrations ORDER BY 1",
      [],
      "plain_restored",
    );
    expect(versions.map((r) => String(r.version))).toEqual([dbmateVersion(1), dbmateVersion(2)]);

    // With keepSnapshots: 1 a second checkpoint replaces the first one's slot and dump.
    const keepOne = pgCtx(ctx.baseDir, {
      url: cluster.url("plain"),
      format: "dbmate",
      snapshot: "dump",
      keepSnapshots: 1,
    });
    const second = snapshotOf(await checkpointPostgres(keepOne, "c-20260101-000100-beef"));
    const client = await cluster.connect("plain");
    expect(await slotExists(client, snap.slot)).toBe(false);
    expect(await slotExists(client, second.slot)).toBe(true);
    await client.end();
    expect(existsSync(snap.dumpFile ?? "")).toBe(false);
  });

  it("dump + captured changes = every committed write, none twice, with writes running during pg_dump", async () => {
    const { ctx } = await app("busy");
    // Enough data that pg_dump takes a while, so the writer commits during it.
    await cluster.sql(
      "CREATE TABLE filler AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 200000) g",
      [],
      "busy",
    );
    const writer = await cluster.connect("busy");
    const committed: number[] = [];
    let stop = false;
    const loop = (async () => {
      for (let n = 1; !stop; n++) {
        const r = await writer.query<{ id: string }>("INSERT INTO users (email) VALUES ($1) RETURNING id", [
          `w${n}@x`,
        ]);
        committed.push(Number(r.rows[0]?.id));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const snap = snapshotOf(await checkpointPostgres(ctx, "c-busy"));
    const checkpointMs = Date.now() - started;
    const duringCheckpoint = committed.length;
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await loop;
    await writer.end();

    await cluster.createDatabase("busy_restored");
    restoreInto(snap.dumpFile ?? "", "busy_restored");
    const inDump = await ids("busy_restored");

    const store = openCaptureStore(captureFileFor(ctx, "c-busy"));
    const client = await cluster.connect("busy");
    await drainSlot(client, snap.slot, store, { historyTables: ["schema_migrations"] });
    await client.end();
    const captured = store.read(0, 1_000_000).filter((c) => c.table === "users" && c.op === "insert");
    const inSlot = captured.map((c) => Number(c.keys.id));
    store.close();

    console.log(
      `checkpoint (slot + restore point + pg_dump of 200k rows) ${checkpointMs} ms; ${inDump.length} writes in the dump, ${inSlot.length} in the slot`,
    );
    expect(inDump.length).toBeGreaterThan(0);
    expect(inSlot.length).toBeGreaterThan(0);
    expect(duringCheckpoint).toBeGreaterThan(inDump.length);
    expect(inDump.filter((id) => inSlot.includes(id))).toEqual([]);
    expect([...inDump, ...inSlot].sort((a, b) => a - b)).toEqual(committed);
  });

  it("fails with what to do when wal_level is not logical", async () => {
    const { startPostgres } = await import("../../../../../support/postgres.js");
    const replica = await startPostgres();
    try {
      await replica.createDatabase("nolog");
      const baseDir = tempDir("nolog");
      writeDbmate(join(baseDir, "migrations"));
      const ctx = pgCtx(baseDir, { url: replica.url("nolog"), format: "dbmate", snapshot: "dump" });
      await expect(checkpointPostgres(ctx, "c-x")).rejects.toMatchObject({
        message: expect.stringContaining("wal_level is replica") as unknown,
        hint: expect.stringContaining("wal_level = logical") as unknown,
      });
    } finally {
      await replica.stop();
    }
  });
});
