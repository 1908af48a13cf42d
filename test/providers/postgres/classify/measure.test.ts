import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyScript } from "../../../../src/providers/postgres/classify/classify.js";
import { measureAtRisk } from "../../../../src/providers/postgres/classify/measure.js";
import { type PgCluster, startPostgres } from "../../../support/postgres.js";

let cluster: PgCluster;
let db: pg.Client;

beforeAll(async () => {
  cluster = await startPostgres();
  await cluster.createDatabase("measure");
  db = await cluster.connect("measure");
  await db.query(`
    CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, nickname text, age int, "Bio" varchar(20));
    INSERT INTO users SELECT g, 'u' || g || '@x', CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END, g, 'b'
      FROM generate_series(1, 30) g;
    CREATE TABLE "we""ird" (x int);
    INSERT INTO "we""ird" VALUES (1), (2);
  `);
});

afterAll(async () => {
  await db?.end();
  await cluster?.stop();
});

async function measure(sql: string) {
  return measureAtRisk(db, await classifyScript(sql, "down.sql", "public", db));
}

describe("measureAtRisk", () => {
  it("counts the rows and non-null values a drop column loses", async () => {
    const [r] = await measure("ALTER TABLE users DROP COLUMN nickname");
    expect(r).toMatchObject({ rows: 30, values: 20 });
  });

  it("counts the rows of a dropped or truncated table, with quoted identifiers", async () => {
    expect((await measure(`DROP TABLE "we""ird"`))[0]?.rows).toBe(2);
    expect((await measure("TRUNCATE users"))[0]?.rows).toBe(30);
  });

  it("counts exactly the rows matching a DELETE's or UPDATE's WHERE", async () => {
    expect((await measure("DELETE FROM users WHERE id > 25"))[0]?.rows).toBe(5);
    const upd = await measure("UPDATE users SET nickname = NULL WHERE id <= 6");
    expect(upd).toEqual([expect.objectContaining({ rows: 6, values: 4 })]);
    expect((await measure("DELETE FROM users u WHERE u.age BETWEEN 1 AND 3"))[0]?.rows).toBe(3);
  });

  it("reports 0 with a note for a table or column already gone", async () => {
    expect((await measure("DROP TABLE IF EXISTS gone"))[0]).toMatchObject({
      rows: 0,
      note: "table already gone",
    });
    expect((await measure("ALTER TABLE users DROP COLUMN IF EXISTS gone"))[0]).toMatchObject({
      rows: 0,
      values: 0,
      note: "column already gone",
    });
  });

  it("judges type changes against the live column type", async () => {
    const lossless = await classifyScript(
      'ALTER TABLE users ALTER COLUMN age TYPE bigint, ALTER COLUMN "Bio" TYPE varchar(40)',
      "down.sql",
      "public",
      db,
    );
    expect(lossless[0]?.class).toBe("safe");
    const lossy = await classifyScript(
      'ALTER TABLE users ALTER COLUMN "Bio" TYPE varchar(10)',
      "down.sql",
      "public",
      db,
    );
    expect(lossy[0]?.class).toBe("destructive");
    expect((await measureAtRisk(db, lossy))[0]).toMatchObject({ rows: 30, values: 30 });
    // Without the live type, int → bigint cannot be proven lossless.
    expect(
      (await classifyScript("ALTER TABLE users ALTER COLUMN age TYPE bigint", "down.sql"))[0]?.class,
    ).toBe("destructive");
  });
});
