/**
 * Why a checkpoint's replication slot cannot be created, classified by SQLSTATE on a real
 * server with max_replication_slots = 2: all slots taken (53400) is PG_LIMIT_REACHED, not
 * retried, with what to run; an existing slot of the same name (42710) says how to drop it.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackoutError } from "../../../../../../src/core/errors.js";
import { checkpointPostgres } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/checkpoint.js";
import {
  slotFailure,
  slotNameFor,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/slot.js";
import type { PgCluster } from "../../../../../support/postgres.js";
import { migrateUp, pgCtx, writeDbmate } from "../../../core/pg-fixture.js";
import { createSlot, startLogicalCluster, tempDir } from "./fixture.js";

let cluster: PgCluster;

beforeAll(async () => {
  cluster = await startLogicalCluster({ max_replication_slots: "2" });
});
afterAll(async () => {
  await cluster?.stop();
});

async function app(db: string) {
  const baseDir = tempDir("slot-failure");
  await cluster.createDatabase(db);
  writeDbmate(join(baseDir, "migrations"));
  await migrateUp(cluster, db, "dbmate", join(baseDir, "migrations"), 2);
  return pgCtx(baseDir, { url: cluster.url(db), format: "dbmate", snapshot: "dump" });
}

async function failure(run: Promise<unknown>): Promise<BackoutError> {
  const e = await run.then(
    () => undefined,
    (err: unknown) => err as BackoutError,
  );
  if (e === undefined) throw new Error("the checkpoint succeeded");
  return e;
}

const slots = async (): Promise<string[]> =>
  (await cluster.sql("SELECT slot_name FROM pg_replication_slots ORDER BY 1")).map((r) =>
    String(r.slot_name),
  );

describe("a checkpoint whose replication slot cannot be created", () => {
  it("all slots in use: PG_LIMIT_REACHED, not retried, saying what to raise or drop", async () => {
    const ctx = await app("full");
    await createSlot(cluster, "full", "someone_elses");
    await createSlot(cluster, "full", "backout_db_c20250101000000aaaa");
    try {
      const e = await failure(checkpointPostgres(ctx, "c-20260101-000000-abcd"));
      expect(e.code).toBe("PG_LIMIT_REACHED");
      expect(e.retryable).toBe(false);
      expect(e.details).toEqual({ sqlState: "53400" });
      expect(e.message).toBe(
        "cannot create the replication slot backout_db_c20260101000000abcd: all replication slots are in use",
      );
      expect(e.hint).toContain("Raise max_replication_slots in postgresql.conf and restart PostgreSQL");
      expect(e.hint).toContain("SELECT pg_drop_replication_slot('<name>');");
      expect(e.hint).toContain("this component's are backout_db_<checkpoint id>");
      // pg_create_logical_replication_slot (the pitr checkpoint's) raises the same SQLSTATE.
      await expect(createSlot(cluster, "full", "third")).rejects.toMatchObject({ code: "53400" });
      // Nothing was created, nothing of someone else's dropped.
      expect(await slots()).toEqual(["backout_db_c20250101000000aaaa", "someone_elses"]);
    } finally {
      await cluster.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
    }
  });

  it("a slot of the same name exists: not retried, saying how to drop it", async () => {
    const ctx = await app("taken");
    const id = "c-20260102-000000-abcd";
    const name = slotNameFor("backout_db", id);
    await createSlot(cluster, "taken", name);
    try {
      const e = await failure(checkpointPostgres(ctx, id));
      expect(e.code).toBe("PG_STATEMENT_FAILED");
      expect(e.retryable).toBe(false);
      expect(e.details).toEqual({ sqlState: "42710" });
      expect(e.message).toContain(`cannot create the replication slot ${name}:`);
      expect(e.hint).toBe(
        `Drop the slot: SELECT pg_drop_replication_slot('${name}'); or take a new checkpoint.`,
      );
      expect(await slots()).toEqual([name]);
    } finally {
      await cluster.sql("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots");
    }
  });
});

describe("slotFailure", () => {
  const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code });
  const where = { component: "db" };

  it("picks the hint by SQLSTATE, not by the message's words", () => {
    const hint = (code: string, message = "some words") =>
      slotFailure(pgError(code, message), "backout_db_cx", where).hint;
    expect(hint("53400", "mentions wal2json and wal_level")).toContain("max_replication_slots");
    expect(hint("55000")).toContain("wal_level = logical");
    expect(hint("58P01")).toContain("wal2json");
    expect(hint("42501")).toContain("ALTER ROLE <user> REPLICATION");
    expect(hint("55006")).toContain("active_pid");
  });

  it("keeps the classification's code and advice for a lost connection, which is retried", () => {
    const e = slotFailure(pgError("08006", "connection failure"), "backout_db_cx", where);
    expect([e.code, e.retryable]).toEqual(["PG_UNAVAILABLE", true]);
    expect(e.hint).toContain("run the command again");
  });
});
