import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveTableName } from "../../../../src/providers/postgres/archive/index-table.js";
import { listArchives } from "../../../../src/providers/postgres/archive/commands/list.js";
import { type PgCluster, startPostgres } from "../../../support/postgres.js";
import { ROLLBACK_ID, SCHEMA_SQL, type Snapshot, rollBack, snapshot } from "./rollback-fixture.js";

const TABLES = { users: "id", orders: "id", notes: null };
let cluster: PgCluster;
let db: pg.Client;
let before: Snapshot;
let archived: number;

beforeAll(async () => {
  cluster = await startPostgres();
  await cluster.createDatabase("archive");
  db = await cluster.connect("archive");
  await db.query(SCHEMA_SQL);
  before = await snapshot(db, TABLES);
  archived = await rollBack(db);
});

afterAll(async () => {
  await db?.end();
  await cluster?.stop();
});

/** Where a value that is no longer live can be found: "table|key|column" → value, from every archive table. */
async function archivedValues(): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  for (const entry of await listArchives(db, "backout_archive")) {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT * FROM backout_archive."${entry.archive_table}"`,
    );
    for (const row of rows) {
      const key = String(entry.key_columns.length ? row[entry.key_columns[0] ?? ""] : row.backout_ctid);
      for (const [col, v] of Object.entries(row)) {
        if (col === "backout_ctid" || entry.key_columns.includes(col)) continue;
        found.set(`${entry.source_table}|${key}|${col}`, v);
      }
      for (const k of entry.key_columns) found.set(`${entry.source_table}|${key}|${k}`, row[k]);
    }
  }
  return found;
}

describe("archiveBefore under a rollback", () => {
  it("loses no value: every value before is live after, or in the archive", async () => {
    const after = await snapshot(db, TABLES);
    const kept = await archivedValues();
    const lost = [...before].filter(([k, v]) => {
      const live = after.has(k) && JSON.stringify(after.get(k)) === JSON.stringify(v);
      return !live && JSON.stringify(kept.get(k)) !== JSON.stringify(v);
    });
    expect(lost).toEqual([]);
    // The rollback really destroyed data (otherwise the check above proves nothing).
    expect(after.size).toBeLessThan(before.size);
  });

  it("archives exactly what each statement destroys, listed in archive_index", async () => {
    const entries = await listArchives(db, "backout_archive", ROLLBACK_ID.slice(0, 8));
    const summary = entries
      .map(
        (e) =>
          `${e.migration_version} ${e.operation} ${e.source_table}.${e.source_column ?? "*"} ${e.rows} [${e.key_columns.join(",")}]`,
      )
      .sort();
    expect(summary).toEqual([
      "20240102 drop-column notes.tag 10 []",
      "20240102 drop-column users.nickname 43 [id]",
      "20240103 drop-table orders.* 40 [id]",
      "20240104 delete users.* 7 [id]",
      "20240105 update users.age 10 [id]",
    ]);
    expect(archived).toBe(110);
    expect(entries.every((e) => e.rollback_id === ROLLBACK_ID)).toBe(true);
  });

  it("names archive tables deterministically within PostgreSQL's 63-byte limit", () => {
    expect(archiveTableName("users", "nickname", ROLLBACK_ID, "20240102")).toBe(
      "users__nickname__rb-7f3a9__20240102",
    );
    const long = archiveTableName("t".repeat(60), "ç".repeat(30), ROLLBACK_ID, "1");
    expect(Buffer.byteLength(long, "utf8")).toBeLessThanOrEqual(63);
    expect(long).toBe(archiveTableName("t".repeat(60), "ç".repeat(30), ROLLBACK_ID, "1"));
    expect(long).not.toBe(archiveTableName("t".repeat(60), "ç".repeat(30), ROLLBACK_ID, "2"));
  });

  it("leaves nothing behind when the migration's transaction fails", async () => {
    await db.query("CREATE TABLE scratch (id int PRIMARY KEY, v text); INSERT INTO scratch VALUES (1, 'a')");
    const { archiveBefore } = await import("../../../../src/providers/postgres/archive/archive-before.js");
    const { classifyScript } = await import("../../../../src/providers/postgres/classify/classify.js");
    const [s] = await classifyScript("ALTER TABLE scratch DROP COLUMN v", "x.sql");
    await db.query("BEGIN");
    await archiveBefore(db, s!, "rb-failed", "9");
    await db.query("ROLLBACK");
    expect(await listArchives(db, "backout_archive", "rb-failed")).toEqual([]);
    expect((await db.query("SELECT v FROM scratch")).rows).toEqual([{ v: "a" }]);
  });
});
