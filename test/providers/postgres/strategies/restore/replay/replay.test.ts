/**
 * Replay onto a real restored database at the checkpoint's schema (before the bad deploy added
 * users.nickname and the audit_log table), from a capture store filled by hand.
 */
import type pg from "pg";
import { describe, expect, it } from "vitest";
import {
  REASON,
  replayChanges,
} from "../../../../../../src/providers/postgres/strategies/restore/replay/index.js";
import { summaryLines } from "../../../../../../src/providers/postgres/strategies/restore/report.js";
import { useCluster } from "../../../../../support/postgres.js";
import { archiveRows, ChangeLog, del, ins, storeOf, tableRows, upd } from "./fixture.js";

const CHECKPOINT_SCHEMA = `
  CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, name text);
  CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id),
                       amount numeric(10,2), tags text[], meta jsonb);
  CREATE TABLE schema_migrations (version text PRIMARY KEY);
  INSERT INTO users (email, name) VALUES ('a@x', 'A'), ('b@x', 'B');
  INSERT INTO schema_migrations VALUES ('1');`;

const OPTS = { archiveSchema: "backout_archive", exclude: [], historyTables: ["schema_migrations"] };

let n = 0;

/** A fresh database "restored" at the checkpoint, and a connection to it. */
async function restored(): Promise<pg.Client> {
  n += 1;
  await cluster.createDatabase(`r${n}`);
  const db = await cluster.connect(`r${n}`);
  await db.query(CHECKPOINT_SCHEMA);
  return db;
}

/** What the app and the bad deploy wrote after the checkpoint (post-deploy schema). */
function deployLog(): ChangeLog {
  return (
    new ChangeLog()
      .tx([ins("users", { id: 3, email: "c@x", name: "C" })])
      // The deploy: add nickname + backfill (DDL is not captured), recorded in the history table.
      .tx(
        [
          upd("users", { id: 1 }, { id: 1, email: "a@x", name: "A", nickname: "a" }),
          upd("users", { id: 2 }, { id: 2, email: "b@x", name: "B", nickname: "b" }),
          ins("schema_migrations", { version: "2" }, ["version"]),
        ],
        // The store did not mark it: replay must still see the history-table write.
        { migration: false },
      )
      .tx([upd("users", { id: 1 }, { id: 1, email: "a@x", name: "A2", nickname: "aa" })])
      .tx([ins("audit_log", { id: 1, what: "login" })])
      .tx([
        ins("users", { id: 4, email: "d@x", name: "D", nickname: "dd" }),
        ins("orders", { id: 1, user_id: 4, amount: 12.5, tags: "{x,y}", meta: '{"k": 1}' }),
        ins("orders", { id: 2, user_id: 3, amount: "7.25", tags: null, meta: null }),
      ])
      .tx([del("users", { id: 2 })])
      .tx([upd("orders", { id: 1 }, { id: 1, user_id: 4, amount: 13, tags: "{x}", meta: '{"k": 2}' })])
      .tx([upd("users", { id: 99 }, { id: 99, email: "ghost@x", name: "G", nickname: null })])
  );
}

const cluster = useCluster();

describe("replayChanges", () => {
  it("replays user writes onto the checkpoint schema, archiving what no longer fits", async () => {
    const db = await restored();
    const { store, dispose } = storeOf(deployLog().changes);
    try {
      const summary = await replayChanges(db, store, { ...OPTS, rollbackId: "rb1" });
      expect(summary.invariantHolds, summary.invariantDetail).toBe(true);
      expect(await tableRows(db, "users")).toEqual([
        '{"id": 1, "name": "A2", "email": "a@x"}',
        '{"id": 3, "name": "C", "email": "c@x"}',
        '{"id": 4, "name": "D", "email": "d@x"}',
      ]);
      expect(await tableRows(db, "orders")).toEqual([
        '{"id": 1, "meta": {"k": 2}, "tags": ["x"], "amount": 13.00, "user_id": 4}',
        '{"id": 2, "meta": null, "tags": null, "amount": 7.25, "user_id": 3}',
      ]);
      // The backfill and its history row are not replayed.
      expect(await tableRows(db, "schema_migrations")).toEqual(['{"version": "1"}']);
      expect(summary.migrationChangesSkipped).toBe(3);

      const archive = await archiveRows(db, "rb1");
      expect(archive.map((a) => [a.table, a.op, a.keys, a.values, a.reason, a.partial])).toEqual([
        ["public.users", "update", { id: 1 }, { nickname: "aa" }, REASON.columnMissing, true],
        ["public.audit_log", "insert", { id: 1 }, { id: 1, what: "login" }, REASON.tableMissing, false],
        ["public.users", "insert", { id: 4 }, { nickname: "dd" }, REASON.columnMissing, true],
        [
          "public.users",
          "update",
          { id: 99 },
          { id: 99, email: "ghost@x", name: "G", nickname: null },
          REASON.rowMissing,
          false,
        ],
      ]);
      expect(summary.tables).toEqual({
        "public.users": { replayed: 4, archived: 1, skipped: 2 },
        "public.schema_migrations": { replayed: 0, archived: 0, skipped: 1 },
        "public.audit_log": { replayed: 0, archived: 1, skipped: 0 },
        "public.orders": { replayed: 3, archived: 0, skipped: 0 },
      });
      expect(summary.window).toEqual({ from: "2024-05-01T12:00:01.000Z", to: "2024-05-01T12:00:07.000Z" });

      // Sequences: the next insert gets a fresh id, past every replayed one.
      const u = await db.query<{ id: string }>("INSERT INTO users (email) VALUES ('new@x') RETURNING id");
      expect(u.rows[0]?.id).toBe("5");
      const o = await db.query<{ id: number }>("INSERT INTO orders (user_id) VALUES (1) RETURNING id");
      expect(o.rows[0]?.id).toBe(3);
    } finally {
      dispose();
      await db.end();
    }
  });

  it("archives excluded tables and writes committed after `until`", async () => {
    const db = await restored();
    const { store, dispose } = storeOf(deployLog().changes);
    try {
      const summary = await replayChanges(db, store, {
        ...OPTS,
        rollbackId: "rb2",
        exclude: ["public.orders"],
        until: "2024-05-01T12:00:05.500Z",
      });
      expect(summary.invariantHolds, summary.invariantDetail).toBe(true);
      // users id 2 was deleted at 12:00:06 (after until): still there.
      expect(await tableRows(db, "users")).toEqual([
        '{"id": 1, "name": "A2", "email": "a@x"}',
        '{"id": 2, "name": "B", "email": "b@x"}',
        '{"id": 3, "name": "C", "email": "c@x"}',
        '{"id": 4, "name": "D", "email": "d@x"}',
      ]);
      expect(await tableRows(db, "orders")).toEqual([]);
      const reasons = (await archiveRows(db, "rb2")).map((a) => `${a.table} ${a.op} ${a.reason}`);
      expect(reasons).toEqual([
        `public.users update ${REASON.columnMissing}`,
        `public.audit_log insert ${REASON.tableMissing}`,
        `public.users insert ${REASON.columnMissing}`,
        `public.orders insert ${REASON.excluded}`,
        `public.orders insert ${REASON.excluded}`,
        `public.users delete ${REASON.afterUntil}`,
        `public.orders update ${REASON.excluded}`,
        `public.users update ${REASON.afterUntil}`,
      ]);
      expect(summary.tables["public.orders"]).toEqual({ replayed: 0, archived: 3, skipped: 0 });
    } finally {
      dispose();
      await db.end();
    }
  });

  it("archives, with the server's error, a write the restored schema refuses, and replays the rest", async () => {
    const db = await restored();
    const log = new ChangeLog()
      .tx([ins("orders", { id: 1, user_id: 1, amount: "n/a", tags: null, meta: null })])
      .tx([ins("orders", { id: 2, user_id: 2, amount: "3.10", tags: null, meta: null })]);
    const { store, dispose } = storeOf(log.changes);
    try {
      const summary = await replayChanges(db, store, { ...OPTS, rollbackId: "rb3" });
      expect(summary.invariantHolds, summary.invariantDetail).toBe(true);
      expect(await tableRows(db, "orders")).toEqual([
        '{"id": 2, "meta": null, "tags": null, "amount": 3.10, "user_id": 2}',
      ]);
      const archive = await archiveRows(db, "rb3");
      expect(archive).toHaveLength(1);
      expect(archive[0]?.reason).toMatch(
        /^refused by the restored database: 22P02 invalid input syntax for type numeric/,
      );
    } finally {
      dispose();
      await db.end();
    }
  });

  it("narrows a refused batch down to the refused changes, each meeting the state the earlier ones left", async () => {
    const db = await restored();
    const order = (id: number, amount: string) =>
      ins("orders", { id, user_id: 1 + (id % 2), amount, tags: null, meta: null });
    const log = new ChangeLog();
    // 40 inserts in one transaction, three of them refused (not a number), then updates that
    // depend on them: of a replayed row, of a refused one (so missing), and a refused update.
    log.tx(
      Array.from({ length: 40 }, (_, i) => order(i + 1, [7, 23, 24].includes(i + 1) ? "n/a" : `${i + 1}.00`)),
    );
    log.tx([
      upd("orders", { id: 5 }, { id: 5, user_id: 2, amount: "9.99", tags: null, meta: null }),
      upd("orders", { id: 23 }, { id: 23, user_id: 2, amount: "1.00", tags: null, meta: null }),
      upd("orders", { id: 30 }, { id: 30, user_id: 1, amount: "bad", tags: null, meta: null }),
    ]);
    const { store, dispose } = storeOf(log.changes);
    try {
      const summary = await replayChanges(db, store, { ...OPTS, rollbackId: "rb6" });
      expect(summary.invariantHolds, summary.invariantDetail).toBe(true);
      const { rows } = await db.query<{ id: number; amount: string }>(
        "SELECT id, amount::text FROM orders ORDER BY id",
      );
      const expected = Array.from({ length: 40 }, (_, i) => i + 1)
        .filter((id) => ![7, 23, 24].includes(id))
        .map((id) => ({ id, amount: id === 5 ? "9.99" : `${id}.00` }));
      expect(rows).toEqual(expected);
      const archive = (await archiveRows(db, "rb6")).map((a) => [
        a.op,
        (a.keys as { id: number }).id,
        a.reason.slice(0, 40),
      ]);
      expect(archive).toEqual([
        ["insert", 7, "refused by the restored database: 22P02 "],
        ["insert", 23, "refused by the restored database: 22P02 "],
        ["insert", 24, "refused by the restored database: 22P02 "],
        ["update", 23, REASON.rowMissing.slice(0, 40)],
        ["update", 30, "refused by the restored database: 22P02 "],
      ]);
      expect(summary.passReplayed).toBe(38);
    } finally {
      dispose();
      await db.end();
    }
  });

  it("replays truncates in order, and inserts into a table without a primary key", async () => {
    const db = await restored();
    await db.query("CREATE TABLE events (kind text, at int)");
    const order = (id: number) => ins("orders", { id, user_id: 1, amount: "1.00", tags: null, meta: null });
    const log = new ChangeLog()
      .tx([order(1)])
      .tx([ins("events", { kind: "a", at: 1 }, []), ins("events", { kind: "a", at: 1 }, [])])
      .tx([{ table: "orders", op: "truncate", keys: {}, values: {} }])
      .tx([order(2)]);
    const { store, dispose } = storeOf(log.changes);
    try {
      const summary = await replayChanges(db, store, { ...OPTS, rollbackId: "rb5" });
      expect(summary.invariantHolds, summary.invariantDetail).toBe(true);
      expect(await tableRows(db, "orders")).toEqual([
        '{"id": 2, "meta": null, "tags": null, "amount": 1.00, "user_id": 1}',
      ]);
      expect(await tableRows(db, "events")).toEqual(['{"at": 1, "kind": "a"}', '{"at": 1, "kind": "a"}']);
    } finally {
      dispose();
      await db.end();
    }
  });

  it("reports an incomplete replay as not verified", async () => {
    const db = await restored();
    const { store, dispose } = storeOf(deployLog().changes);
    try {
      const first = await replayChanges(db, store, {
        ...OPTS,
        rollbackId: "rb4",
        batchSize: 2,
        stopAfterBatches: 1,
      });
      expect(first.invariantHolds).toBe(false);
      expect(first.invariantDetail).toMatch(/stopped after 1 batches/);
      const second = await replayChanges(db, store, { ...OPTS, rollbackId: "rb4", batchSize: 2 });
      expect(second.invariantHolds, second.invariantDetail).toBe(true);
      // Each pass reports its own rows (the per-table counts are cumulative): a rate is the
      // pass's rows over the pass's time, not every row so far over the last pass's time.
      const all = Object.values(second.tables).reduce((k, c) => k + c.replayed, 0);
      expect(first.passReplayed).toBeGreaterThan(0);
      expect(second.passReplayed).toBe(all - (first.passReplayed ?? 0));
      const line = summaryLines(second, store.count(), 1000).join("\n");
      const pass = all - (first.passReplayed ?? 0);
      expect(line).toMatch(
        new RegExp(`${all} rows replayed in all; this pass: ${pass} rows replayed in \\d+ ms`),
      );
    } finally {
      dispose();
      await db.end();
    }
  });
});
