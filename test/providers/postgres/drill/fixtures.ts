/**
 * A live database with one applied dbmate migration (users, orders with a foreign key) and a
 * directory of dbmate files for the pending migrations each drill test adds.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DataLossPolicy } from "../../../../src/core/model.js";
import type { DrillInput } from "../../../../src/providers/postgres/drill/index.js";
import { layoutFor } from "../../../../src/providers/postgres/layouts/detect.js";
import type { PgCluster } from "../../../support/postgres.js";
import { PG_BIN } from "../../../support/postgres.js";

export const BASE = `
-- migrate:up
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), total int NOT NULL);
-- migrate:down
DROP TABLE orders;
DROP TABLE users;
`;

export interface Fixture {
  db: string;
  url: string;
  dir: string;
}

let counter = 0;

/** A database with the base migration applied (as dbmate would) and `users` rows of data. */
export async function liveDatabase(pg: PgCluster, users = 20): Promise<Fixture> {
  const db = `live${++counter}`;
  const url = await pg.createDatabase(db);
  const dir = mkdtempSync(join(tmpdir(), "backout-drill-test-"));
  writeFileSync(join(dir, "20240101000000_base.sql"), BASE);
  await pg.sql(
    `CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);
     CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), total int NOT NULL);
     CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
     INSERT INTO schema_migrations VALUES ('20240101000000');
     INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, $1::int) g;
     INSERT INTO orders (user_id, total) SELECT 1 + (g % $1::int), g FROM generate_series(1, $1::int * 3) g;`.replaceAll(
      "$1::int",
      String(users),
    ),
    undefined,
    db,
  );
  return { db, url, dir };
}

export function migration(f: Fixture, file: string, up: string, down?: string): void {
  const text = `-- migrate:up\n${up}\n${down === undefined ? "" : `-- migrate:down\n${down}\n`}`;
  writeFileSync(join(f.dir, file), text);
}

export async function drillInput(
  f: Fixture,
  policy: DataLossPolicy = "confirm",
  extra: Partial<DrillInput> = {},
): Promise<DrillInput> {
  const layout = layoutFor("dbmate", { migrationsDir: f.dir });
  return {
    component: "db",
    url: f.url,
    format: "dbmate",
    layout,
    migrations: await layout.readMigrations(f.dir),
    schema: "public",
    archiveSchema: "backout_archive",
    policy,
    statementTimeoutMs: 30_000,
    sampleRows: 100,
    pgBin: PG_BIN,
    ...extra,
  };
}

/** Databases whose name says they are drill scratch copies: must be none after every drill. */
export async function scratchDatabases(pg: PgCluster): Promise<string[]> {
  const rows = await pg.sql("SELECT datname FROM pg_database WHERE datname LIKE 'backout\\_drill\\_%'");
  return rows.map((r) => String(r.datname));
}
