/**
 * The invariant checked against the data: after a replay, the restored tables are compared
 * with what replay wrote. Rows changed behind replay's back (here by hand, standing in for a
 * replay bug) must show up as differences, and the summary must then say the invariant fails.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayChanges } from "../../../../../../src/providers/postgres/strategies/restore/replay/index.js";
import { changeMapper } from "../../../../../../src/providers/postgres/strategies/restore/replay/map-change.js";
import { readTargetSchema } from "../../../../../../src/providers/postgres/strategies/restore/replay/target-schema.js";
import { ReplayedState } from "../../../../../../src/providers/postgres/strategies/restore/replay/verify-state.js";
import { startPostgres, type PgCluster } from "../../../../../support/postgres.js";
import { ChangeLog, del, ins, storeOf, upd } from "./fixture.js";

const SCHEMA = `
  CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, profile json, born date);
  CREATE TABLE notes (body text);
  INSERT INTO users (email) VALUES ('a@x'), ('b@x');`;
const OPTS = { archiveSchema: "backout_archive", exclude: [], historyTables: ["schema_migrations"] };

let cluster: PgCluster;
let db: pg.Client;

beforeAll(async () => {
  cluster = await startPostgres();
  await cluster.createDatabase("v");
  db = await cluster.connect("v");
  await db.query(SCHEMA);
});
afterAll(async () => {
  await db?.end();
  await cluster?.stop();
});

const log = new ChangeLog()
  .tx([ins("users", { id: 3, email: "c@x", profile: '{"a":  1}', born: "2001-02-03" })])
  .tx([upd("users", { id: 1 }, { id: 1, email: "a2@x", profile: null, born: null })])
  .tx([del("users", { id: 2 })])
  // The key itself changes: 3 is gone, 30 holds its row.
  .tx([upd("users", { id: 3 }, { id: 30, email: "c@x", profile: '{"a":1}', born: "2001-02-03" })])
  .tx([ins("notes", { body: "no key" }, [])]);

describe("the replayed-state check", () => {
  it("finds every replayed row as replay left it, then each kind of difference", async () => {
    const { store, dispose } = storeOf(log.changes);
    try {
      const summary = await replayChanges(db, store, { ...OPTS, rollbackId: "rb-v" });
      expect(summary.invariantHolds, summary.invariantDetail).toBe(true);
      expect(summary.invariantDetail).toContain(
        "checked against the tables: 2 rows present with the values written, 2 gone as their last change left them, 1 change to tables without a primary key not checked (",
      );

      // What the resumed path folds (every change up to the last one, as replay planned it).
      const check = async () => {
        const mapper = changeMapper(await readTargetSchema(db, OPTS.archiveSchema), OPTS);
        const state = new ReplayedState();
        const ctx = { ...OPTS, mapper, rollbackId: "rb-v" };
        await state.addEarlier(db, store, store.read(0, 1000).at(-1)?.seq ?? 0, ctx);
        return state.compare(db);
      };
      expect((await check()).differenceCount).toBe(0);

      await db.query("UPDATE users SET email = 'tampered' WHERE id = 1");
      await db.query("INSERT INTO users (id, email) VALUES (2, 'back')");
      await db.query("DELETE FROM users WHERE id = 30");
      const after = await check();
      expect(after.differenceCount).toBe(3);
      expect(after.differences.sort()).toEqual([
        "public.users id=1: values differ",
        "public.users id=2: still there",
        "public.users id=30: missing",
      ]);
    } finally {
      dispose();
    }
  });
});
