/**
 * A small app schema and a migration set mixing additive, destructive and data-transforming
 * downs, plus a runner that applies downs the way the provider does under `archive`: one
 * transaction per migration, each destructive statement archived right before it runs.
 */
import type pg from "pg";
import { archiveBefore } from "../../../../src/providers/postgres/archive/archive-before.js";
import { classifyScript } from "../../../../src/providers/postgres/classify/classify.js";

export const SCHEMA_SQL = `
  CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, nickname text, age int);
  INSERT INTO users (email, nickname, age)
    SELECT 'u' || g || CASE WHEN g % 7 = 0 THEN '@spam' ELSE '@x' END,
           CASE WHEN g % 4 = 0 THEN NULL ELSE 'nick ' || g END, g
      FROM generate_series(1, 50) g;
  CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int, total numeric(10,2), note text);
  INSERT INTO orders (user_id, total, note) SELECT g % 50 + 1, g * 1.25, CASE WHEN g % 2 = 0 THEN 'n' || g END
    FROM generate_series(1, 40) g;
  CREATE TABLE notes (body text, tag text);
  INSERT INTO notes SELECT 'body ' || g, 'tag ' || g FROM generate_series(1, 10) g;
`;

/** Newest first, as a rollback runs them. */
export const DOWNS: { version: string; sql: string }[] = [
  { version: "20240105", sql: "UPDATE users SET age = NULL WHERE age > 40;" },
  { version: "20240104", sql: "DELETE FROM users WHERE email LIKE '%@spam';" },
  { version: "20240103", sql: "DROP TABLE orders;" },
  { version: "20240102", sql: "ALTER TABLE users DROP COLUMN nickname;\nALTER TABLE notes DROP COLUMN tag;" },
  { version: "20240101", sql: "CREATE TABLE audit (id int);\nCREATE INDEX users_email ON users (email);" },
];

export const ROLLBACK_ID = "rb-7f3a9c21-long-id";

export async function rollBack(db: pg.Client, archiveSchema = "backout_archive"): Promise<number> {
  let archived = 0;
  for (const m of DOWNS) {
    const statements = await classifyScript(m.sql, `${m.version}.sql`);
    await db.query("BEGIN");
    for (const s of statements) {
      if (s.class === "destructive")
        archived += await archiveBefore(db, s, ROLLBACK_ID, m.version, archiveSchema);
      await db.query(s.sql);
    }
    await db.query("COMMIT");
  }
  return archived;
}

export type Snapshot = Map<string, unknown>;

/** Every value of every table: "table|key|column" → value; key is the id, or the ctid when no primary key. */
export async function snapshot(db: pg.Client, tables: Record<string, string | null>): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const [table, pk] of Object.entries(tables)) {
    const exists = await db.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [table]);
    if (exists.rows[0]?.t === null) continue;
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT ctid::text AS ctid_key, * FROM "${table}"`,
    );
    for (const row of rows) {
      const key = String(pk === null ? row.ctid_key : row[pk]);
      for (const [col, v] of Object.entries(row))
        if (col !== "ctid_key") out.set(`${table}|${key}|${col}`, v);
    }
  }
  return out;
}
