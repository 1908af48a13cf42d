/**
 * The outbox (migration 6): rows with no rollback (a suppressed automatic rollback's notice),
 * written in the transaction of their alert decision; a schema 5 file keeps its outbox rows.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AlertDecision } from "../../src/store/alert-decisions.js";
import {
  MIGRATIONS,
  openSqliteStore,
  SCHEMA_VERSION,
  type SqliteStore,
} from "../../src/store/sqlite/index.js";
import type { OutboxMessage } from "../../src/store/store.js";
import { ENV, createRollback, freshStore, storeDir } from "./helpers.js";

const decision = (key: string, at: number): AlertDecision => ({
  environment: ENV,
  dedupeKey: key,
  at,
  trigger: "db-broken",
  action: "rollback",
  outcome: "suppressed",
  reason: "limit: 0 automatic rollback(s)",
  labels: { alertname: "DbDown" },
});

const notice = (id: string, subject: string, at: number): OutboxMessage => ({
  id,
  subject,
  channel: "name:chat",
  label: "chat",
  about: "auto-rollback-suppressed",
  message: JSON.stringify({ about: "auto-rollback-suppressed", summary: subject }),
  createdAt: at,
});

describe("sqlite store: outbox rows without a rollback", () => {
  let store: SqliteStore;
  let cleanup: () => Promise<void>;
  beforeEach(() => ({ store, cleanup } = freshStore()));
  afterEach(() => cleanup());

  it("a decision and its notices are one write; deciding the same key again adds none", async () => {
    expect(await store.recordAlertDecision(decision("k1", 10), [notice("m1", "alert:k1:10", 10)])).toEqual({
      recorded: true,
    });
    const again = await store.recordAlertDecision(decision("k1", 20), [notice("m2", "alert:k1:20", 20)]);
    expect(again).toMatchObject({ recorded: false, earlier: { at: 10 } });
    const rows = await store.listOutbox();
    expect(rows).toEqual([expect.objectContaining({ id: "m1", subject: "alert:k1:10", attempts: 0 })]);
    expect(rows[0]?.rollbackId).toBeUndefined();
    expect(await store.listOutbox({ subject: "alert:k1:10" })).toHaveLength(1);
  });

  it("a notice that cannot be written leaves no decision: a re-send decides it again", async () => {
    const bad = { ...notice("m1", "alert:k1:10", 10), channel: null as unknown as string };
    await expect(store.recordAlertDecision(decision("k1", 10), [bad])).rejects.toMatchObject({
      code: "STORE_FAILED",
    });
    expect(await store.alertDecisions(ENV, 0)).toEqual([]);
    expect(await store.listOutbox()).toEqual([]);
  });

  it("a decision taken again writes its notices with the settlement", async () => {
    await store.recordAlertDecision({ ...decision("k1", 10), outcome: "failed" });
    await store.settleAlertDecision(ENV, "k1", { outcome: "suppressed", reason: "limit", at: 30 }, [
      notice("m3", "alert:k1:30", 30),
    ]);
    expect((await store.alertDecisions(ENV, 0)).map((d) => d.outcome)).toEqual(["suppressed"]);
    expect((await store.listOutbox()).map((r) => r.id)).toEqual(["m3"]);
  });

  it("is claimed, settled and listed like any row; a claimed row says until when", async () => {
    await store.recordAlertDecision(decision("k1", 10), [notice("m1", "alert:k1:10", 10)]);
    const [claimed] = await store.claimOutbox(100, 5_000, 10);
    expect(claimed?.id).toBe("m1");
    expect((await store.listOutbox({ pending: true }))[0]?.claimedUntil).toBe(5_100);
    const error = { code: "COMMAND_FAILED" as const, message: "503", retryable: true };
    await store.settleOutbox("m1", { delivered: false, at: 200, error, retryAt: 1_200 });
    expect((await store.listOutbox({ undelivered: true }))[0]).toMatchObject({
      attempts: 1,
      nextAttemptAt: 1_200,
      lastError: error,
      gaveUp: false,
    });
    expect((await store.listOutbox({ undelivered: true }))[0]?.claimedUntil).toBeUndefined();
    await store.settleOutbox("m1", { delivered: true, at: 1_300 });
    expect(await store.listOutbox({ undelivered: true })).toEqual([]);
    expect((await store.listOutbox())[0]).toMatchObject({ attempts: 2, deliveredAt: 1_300 });
  });

  it("a rollback's rows still name it and go with it", async () => {
    await createRollback(store, "rb1", 1);
    await store.appendEvent("rb1", 2, { type: "deadline-passed", deadlineAt: 2 }, undefined, [
      { ...notice("m1", "rb1", 2), rollbackId: "rb1" },
    ]);
    expect(await store.listOutbox({ rollbackId: "rb1" })).toEqual([
      expect.objectContaining({ id: "m1", rollbackId: "rb1", subject: "rb1" }),
    ]);
  });
});

it("a schema 5 file keeps its outbox rows, delivered or not, and takes rows without a rollback", async () => {
  const dir = storeDir();
  const db = new Database(path.join(dir, "backout.db"));
  for (const m of MIGRATIONS.filter((x) => x.version <= 5)) db.exec(m.sql);
  db.pragma("user_version = 5");
  db.prepare(
    `INSERT INTO rollbacks (id, environment, checkpoint_id, plan_hash, plan, state, created_at, updated_at)
     VALUES ('rb-old', ?, 'cp1', 'h', '{}', 'succeeded', 1, 1)`,
  ).run(ENV);
  const insert = db.prepare(
    `INSERT INTO outbox (id, rollback_id, channel, label, about, message, created_at, attempts,
       next_attempt_at, claimed_until, delivered_at, gave_up, last_error)
     VALUES (?, 'rb-old', 'name:chat', 'chat', ?, '{}', ?, ?, ?, ?, ?, 0, ?)`,
  );
  insert.run("msg-done", "started", 1, 1, 1, null, 5, null);
  insert.run("msg-left", "succeeded", 2, 3, 900, 700, null, '{"code":"COMMAND_FAILED","message":"503"}');
  db.close();

  const store = openSqliteStore(dir);
  try {
    expect(store.pragmas().userVersion).toBe(SCHEMA_VERSION);
    expect(await store.listOutbox()).toEqual([
      expect.objectContaining({
        id: "msg-done",
        rollbackId: "rb-old",
        subject: "rb-old",
        attempts: 1,
        deliveredAt: 5,
      }),
      expect.objectContaining({
        id: "msg-left",
        rollbackId: "rb-old",
        subject: "rb-old",
        about: "succeeded",
        attempts: 3,
        nextAttemptAt: 900,
        claimedUntil: 700,
        gaveUp: false,
        lastError: { code: "COMMAND_FAILED", message: "503" },
      }),
    ]);
    // Still due (its claim lapsed) and still pending in the partial index's sense.
    expect((await store.claimOutbox(1_000, 5_000, 10)).map((r) => r.id)).toEqual(["msg-left"]);
    await store.recordAlertDecision(decision("k1", 10), [notice("m-alert", "alert:k1:10", 10)]);
    expect((await store.listOutbox({ pending: true })).map((r) => r.id)).toEqual(["msg-left", "m-alert"]);
  } finally {
    await store.close();
  }
});
