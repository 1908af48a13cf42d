/**
 * Issue 12 item 1: under `dataLoss: archive`, a down that destroys data while the application
 * keeps writing exactly that data. The archive copy and the destructive statement must see the
 * same data: every value committed before the down committed is live afterwards or archived.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { until } from "../../../executor/helpers.js";
import { useCluster } from "../../../support/postgres.js";
import { tempDir } from "../../fixtures.js";
import { dbmateVersion, migrateUp, pgCtx, planSteps, writeDbmate, type Mig } from "../core/pg-fixture.js";
import { startRaceWriters } from "./race-writers.js";

const ROWS = 200_000;
const tmp = tempDir();

const cluster = useCluster();

const base: Mig = {
  n: 1,
  name: "accounts",
  up: "CREATE TABLE accounts (id bigserial PRIMARY KEY, owner text NOT NULL);",
  down: "DROP TABLE accounts;",
};

async function setUp(database: string, second: Mig): Promise<{ dir: string; url: string }> {
  const url = await cluster.createDatabase(database);
  const dir = join(tmp, database);
  const migrations = writeDbmate(join(dir, "migrations"), [base, second]);
  await migrateUp(cluster, database, "dbmate", migrations, 1);
  await cluster.sql("ALTER TABLE accounts ADD COLUMN note text", [], database);
  await cluster.sql(
    `INSERT INTO accounts (owner, note) SELECT CASE WHEN g % 2 = 0 THEN 'temp' ELSE 'kept' END, 'seed-' || g FROM generate_series(1, ${ROWS}) g`,
    [],
    database,
  );
  // The column already exists: record migration 2 as applied without running its up again.
  await cluster.sql("INSERT INTO schema_migrations (version) VALUES ($1)", [dbmateVersion(2)], database);
  return { dir, url };
}

/** Every archived note of `accounts`, by id. */
async function archivedNotes(database: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const tables = await cluster.sql(
    "SELECT archive_table FROM backout_archive.archive_index WHERE source_table = 'accounts'",
    [],
    database,
  );
  for (const t of tables) {
    const rows = await cluster.sql(
      `SELECT id::text AS id, note FROM backout_archive."${String(t.archive_table)}"`,
      [],
      database,
    );
    for (const r of rows) out.set(String(r.id), String(r.note));
  }
  return out;
}

async function rollBackUnderWriters(
  database: string,
  dir: string,
  url: string,
  insertOwner?: string,
): Promise<{ last: Map<string, string>; during: number }> {
  const writers = await startRaceWriters(cluster, database, { writers: 4, ids: ROWS, insertOwner });
  try {
    await until("writers running", () => writers.committed() > 200);
    const ctx = pgCtx(dir, { url, format: "dbmate", lockTimeout: "30s" }, "archive");
    const steps = await planSteps(ctx, { version: dbmateVersion(1) });
    expect(steps).toHaveLength(1);
    const before = writers.committed();
    for (const s of steps) await postgresProvider.apply(ctx, s);
    return { last: new Map(writers.last()), during: writers.committed() - before };
  } finally {
    await writers.stop();
  }
}

describe("archive under writers hammering the destroyed data", () => {
  it("DROP COLUMN: every note committed before the drop is in the archive (0 lost)", async () => {
    const { dir, url } = await setUp("race_drop", {
      n: 2,
      name: "note",
      up: "ALTER TABLE accounts ADD COLUMN note text;",
      down: "ALTER TABLE accounts DROP COLUMN note;",
    });
    const { last, during } = await rollBackUnderWriters("race_drop", dir, url, "new");
    // The writers really raced the down (otherwise 0 lost proves nothing).
    expect(during).toBeGreaterThan(0);
    const archived = await archivedNotes("race_drop");
    const lost = [...last].filter(([id, note]) => archived.get(id) !== note);
    expect(lost.length, `lost: ${JSON.stringify(lost.slice(0, 5))}`).toBe(0);
    expect(archived.size).toBeGreaterThanOrEqual(ROWS);
  });

  it("DELETE ... WHERE: every note of a deleted row is archived, every other one is live", async () => {
    const { dir, url } = await setUp("race_delete", {
      n: 2,
      name: "temp_rows",
      up: "SELECT 1;",
      down: "DELETE FROM accounts WHERE owner = 'temp';",
    });
    const { last, during } = await rollBackUnderWriters("race_delete", dir, url, "temp");
    expect(during).toBeGreaterThan(0);
    const archived = await archivedNotes("race_delete");
    const live = new Map(
      (await cluster.sql("SELECT id::text AS id, note FROM accounts", [], "race_delete")).map((r) => [
        String(r.id),
        String(r.note),
      ]),
    );
    const lost = [...last].filter(([id, note]) => live.get(id) !== note && archived.get(id) !== note);
    expect(lost.length, `lost: ${JSON.stringify(lost.slice(0, 5))}`).toBe(0);
    // Nothing the DELETE matched is left.
    expect(
      Number(
        (
          await cluster.sql(
            "SELECT count(*) AS n FROM accounts WHERE owner = 'temp' AND id <= $1",
            [ROWS],
            "race_delete",
          )
        )[0]?.n,
      ),
    ).toBe(0);
  });
});
