import { join } from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCaptureStore } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/capture-store.js";
import {
  drainSlot,
  slotExists,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/drain.js";
import { compareLsn } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/lsn.js";
import type { CaptureStore } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/types.js";
import type { PgCluster } from "../../../../../support/postgres.js";
import { confirmedFlush, createSlot, startLogicalCluster, tempDir } from "./fixture.js";

let cluster: PgCluster;
const dir = tempDir("drain");
const HISTORY = { historyTables: ["schema_migrations"] };

beforeAll(async () => {
  cluster = await startLogicalCluster();
});
afterAll(async () => {
  await cluster.stop();
});

async function setup(db: string): Promise<{ client: pg.Client; store: CaptureStore; slot: string }> {
  await cluster.createDatabase(db);
  const client = await cluster.connect(db);
  await client.query(`
    CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, score numeric, meta jsonb);
    CREATE TABLE tags (user_id bigint, tag text, note text, PRIMARY KEY (user_id, tag));
    CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);`);
  const slot = `s_${db}`;
  await createSlot(cluster, db, slot);
  return { client, store: openCaptureStore(join(dir, `${db}.db`)), slot };
}

describe("drainSlot", () => {
  it("captures inserts, updates, deletes and truncates of several tables in commit order", async () => {
    const { client, store, slot } = await setup("ops");
    await client.query(
      "INSERT INTO users (email, score, meta) VALUES ('a@x', 1.25, '{\"k\":1}'), ('b@x', NULL, NULL)",
    );
    await client.query("BEGIN");
    await client.query("UPDATE users SET email = 'a2@x' WHERE id = 1");
    await client.query("INSERT INTO tags VALUES (1, 'red', 'n1'), (2, 'blue', NULL)");
    await client.query("UPDATE users SET id = 9007199254740993 WHERE id = 2");
    await client.query("DELETE FROM tags WHERE user_id = 1");
    await client.query("COMMIT");
    await client.query("TRUNCATE tags");
    const xids = (await client.query<{ x: string }>("SELECT txid_current()::text AS x")).rows;

    const r = await drainSlot(client, slot, store, HISTORY);
    expect(r.added).toBe(8);
    const all = store.read(0, 100);
    expect(all.map((c) => `${c.table}:${c.op}`)).toEqual([
      "users:insert",
      "users:insert",
      "users:update",
      "tags:insert",
      "tags:insert",
      "users:update",
      "tags:delete",
      "tags:truncate",
    ]);
    const [i1, , u1, t1, , u2, d1] = all;
    expect(i1).toMatchObject({
      schema: "public",
      keys: { id: 1 },
      values: { id: 1, email: "a@x", score: 1.25 },
    });
    expect(i1?.values.meta).toBe('{"k": 1}');
    expect(i1?.types).toMatchObject({ id: "bigint", email: "text", score: "numeric", meta: "jsonb" });
    expect(u1).toMatchObject({ keys: { id: 1 }, values: { id: 1, email: "a2@x" } });
    expect(t1).toMatchObject({ keys: { user_id: 1, tag: "red" }, values: { note: "n1" } });
    // A key change: the old key identifies the row; the new value is exact past 2^53.
    expect(u2).toMatchObject({ keys: { id: 2 }, values: { id: "9007199254740993" } });
    expect(d1).toMatchObject({ keys: { user_id: 1, tag: "red" }, values: {} });
    // seq strictly increasing; commit LSNs non-decreasing; one xid per transaction.
    for (let k = 1; k < all.length; k++) {
      expect(all[k]!.seq).toBeGreaterThan(all[k - 1]!.seq);
      expect(compareLsn(all[k]!.commitLsn, all[k - 1]!.commitLsn)).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(all.slice(2, 7).map((c) => c.xid)).size).toBe(1);
    expect(all[0]!.xid).not.toBe(all[2]!.xid);
    expect(all[7]!.xid).toBeLessThan(Number(xids[0]?.x));
    expect(all.every((c) => !c.migration && /^\d{4}-\d\d-\d\dT.*Z$/.test(c.commitTime))).toBe(true);
    expect(store.lastCommitLsn()).toBe(r.lastLsn);
    // The slot moved at least past the last stored commit (to the end of the WAL it decoded).
    expect(compareLsn(await confirmedFlush(cluster, slot), r.lastLsn ?? "0/0")).toBeGreaterThanOrEqual(0);
    store.close();
    await client.end();
  });

  it("marks a transaction that writes the history table as a migration", async () => {
    const { client, store, slot } = await setup("mig");
    await client.query("INSERT INTO users (email) VALUES ('u@x')");
    await client.query(`BEGIN;
      ALTER TABLE users ADD COLUMN nick text;
      UPDATE users SET nick = split_part(email, '@', 1);
      INSERT INTO schema_migrations VALUES ('20240101000002');
      COMMIT;`);
    await client.query("UPDATE users SET nick = 'app' WHERE id = 1");
    await drainSlot(client, slot, store, { historyTables: ["public.schema_migrations"] });
    const all = store.read(0, 100);
    expect(all.map((c) => [c.table, c.op, c.migration])).toEqual([
      ["users", "insert", false],
      ["users", "update", true],
      ["schema_migrations", "insert", true],
      ["users", "update", false],
    ]);
    store.close();
    await client.end();
  });

  it("keeps a migration's big backfill as one row per table with its count, and user transactions larger than a fetch whole", async () => {
    const { client, store, slot } = await setup("backfill");
    await client.query("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 30000) g");
    await client.query(`BEGIN;
      UPDATE users SET score = id;
      INSERT INTO schema_migrations VALUES ('20240101000003');
      COMMIT;`);
    await client.query("UPDATE users SET email = 'late' WHERE id <= 3");
    // Fetches of 1,000 rows: each transaction spans many of them.
    const r = await drainSlot(client, slot, store, { ...HISTORY, batchRows: 1000 });
    expect(r.added).toBe(30000 + 30001 + 3);
    expect(store.count()).toBe(30000 + 30001 + 3);
    const rows = store.read(0, 100_000);
    expect(rows).toHaveLength(30000 + 2 + 3);
    const collapsed = rows.filter((c) => c.migration);
    expect(collapsed.map((c) => [c.table, c.op, c.count ?? 1])).toEqual([
      ["users", "update", 30000],
      ["schema_migrations", "insert", 1],
    ]);
    expect(new Set(rows.slice(0, 30000).map((c) => c.xid)).size).toBe(1);
    expect(rows.slice(-3).map((c) => c.values.email)).toEqual(["late", "late", "late"]);
    // Everything is stored, so the slot holds nothing more.
    expect((await drainSlot(client, slot, store, HISTORY)).added).toBe(0);
    store.close();
    await client.end();
  });

  it("adds nothing twice: drained twice, or after a crash between store and advance", async () => {
    const { client, store, slot } = await setup("again");
    await client.query("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 50) g");
    await client.query("DELETE FROM users WHERE id <= 10");
    const before = await confirmedFlush(cluster, slot);
    // The "crash": stored durably, then the process dies before pg_replication_slot_advance.
    const crashing: CaptureStore = {
      ...store,
      append: (changes) => {
        store.append(changes);
        throw new Error("killed after store");
      },
    };
    await expect(drainSlot(client, slot, crashing, HISTORY)).rejects.toThrow(/killed after store/);
    expect(store.count()).toBe(60);
    expect(await confirmedFlush(cluster, slot)).toBe(before);
    expect((await drainSlot(client, slot, store, HISTORY)).added).toBe(0);
    expect((await drainSlot(client, slot, store, HISTORY)).added).toBe(0);
    expect(store.count()).toBe(60);
    await client.query("UPDATE users SET email = 'z' WHERE id = 11");
    expect((await drainSlot(client, slot, store, HISTORY)).added).toBe(1);
    expect(store.read(60, 10).map((c) => c.keys)).toEqual([{ id: 11 }]);
    store.close();
    await client.end();
  });

  it("drains 10,000-row transactions in batches smaller than one transaction", async () => {
    const { client, store, slot } = await setup("big");
    await client.query("INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 10000) g");
    await client.query("UPDATE users SET score = id");
    for (let k = 0; k < 20; k++) await client.query("INSERT INTO tags VALUES ($1, 't', NULL)", [k]);
    const started = Date.now();
    const r = await drainSlot(client, slot, store, { ...HISTORY, batchRows: 1000 });
    const ms = Date.now() - started;
    expect(r.added).toBe(20_020);
    const rows = store.read(10_000, 10_000);
    expect(rows[0]).toMatchObject({ op: "update", keys: { id: 1 }, values: { score: 1 } });
    expect(rows.at(-1)).toMatchObject({ op: "update", keys: { id: 10000 } });
    console.log(`drained 20,020 changes in ${ms} ms (${Math.round(20_020 / (ms / 1000))} changes/s)`);
    store.close();
    await client.end();
  });

  it("loses no write committed while it drains, and moves the slot past other databases' WAL", async () => {
    const { client, store, slot } = await setup("busy");
    await cluster.createDatabase("busy_other");
    const writer = await cluster.connect("busy");
    const committed: number[] = [];
    let writing = true;
    const writes = (async () => {
      for (let k = 1; k <= 1000; k++) {
        const r = await writer.query<{ id: string }>("INSERT INTO users (email) VALUES ($1) RETURNING id", [
          `w${k}`,
        ]);
        committed.push(Number(r.rows[0]?.id));
      }
      writing = false;
    })();
    // Small batches and many rounds, so rounds end and begin while transactions commit.
    let drains = 0;
    while (writing) {
      await drainSlot(client, slot, store, { ...HISTORY, batchRows: 60 });
      drains += 1;
    }
    await writes;
    await writer.end();
    await drainSlot(client, slot, store, HISTORY);
    expect(drains).toBeGreaterThan(2);
    const stored = store.read(0, 100_000).map((c) => Number(c.keys.id));
    expect(stored).toEqual(committed);

    // Another database's bulk load: nothing to capture, but the slot need not decode it again.
    await cluster.sql(
      "CREATE TABLE bulk AS SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 50000) g",
      [],
      "busy_other",
    );
    const before = await confirmedFlush(cluster, slot);
    expect((await drainSlot(client, slot, store, HISTORY)).added).toBe(0);
    expect(compareLsn(await confirmedFlush(cluster, slot), before)).toBeGreaterThan(0);
    store.close();
    await client.end();
  });

  it("says what to do when the slot is gone", async () => {
    const { client, store, slot } = await setup("gone");
    expect(await slotExists(client, slot)).toBe(true);
    await client.query("SELECT pg_drop_replication_slot($1)", [slot]);
    expect(await slotExists(client, slot)).toBe(false);
    await expect(drainSlot(client, slot, store, HISTORY)).rejects.toMatchObject({
      code: "PROVIDER_FAILED",
      message: expect.stringContaining("no longer exists") as unknown,
    });
    store.close();
    await client.end();
  });
});
