/**
 * One backout environment for the restore-and-replay tests: a database in a logical-decoding
 * cluster, dbmate migrations (users, orders), seeded rows, and a backout.yaml whose `db`
 * component takes a dump snapshot at each checkpoint and rolls back by restore-and-replay.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PgCluster } from "../support/postgres.js";
import { tempDir } from "../e2e/cli.js";

export const DBMATE = resolve(import.meta.dirname, "../../node_modules/.bin/dbmate");

/** Server settings the cluster needs for slots and wal2json. */
export const LOGICAL = { wal_level: "logical", max_replication_slots: "10", max_wal_senders: "10" };

export const SEEDED = { users: 200, orders: 200 };

const FIRST = {
  "20240101000001_create_users_orders.sql": `-- migrate:up
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, name text NOT NULL);
CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL, amount int NOT NULL, status text NOT NULL);
-- migrate:down
DROP TABLE orders;
DROP TABLE users;
`,
};

/** The bad deploy: a new column with a backfill (no down script: only restore can undo it). */
export const DEPLOY = {
  "20240101000002_add_nickname.sql": `-- migrate:up
ALTER TABLE users ADD COLUMN nickname text;
UPDATE users SET nickname = split_part(email, '@', 1);
-- migrate:down
`,
};

export interface ReplayEnv {
  dir: string;
  db: string;
  url: string;
  slot: string;
  dbmate(...args: string[]): string;
  deploy(): void;
}

export async function replayEnvironment(
  pg: PgCluster,
  name: string,
  extra: { dataLoss?: string; strategy?: string; lockLease?: string } = {},
): Promise<ReplayEnv> {
  const dir = tempDir(`replay-${name}`);
  const db = `app_${name}`;
  const url = await pg.createDatabase(db);
  const migrations = join(dir, "db", "migrations");
  mkdirSync(migrations, { recursive: true });
  const write = (files: Record<string, string>) => {
    for (const [file, sql] of Object.entries(files)) writeFileSync(join(migrations, file), sql);
  };
  const dbmate = (...args: string[]) =>
    execFileSync(DBMATE, [
      "--url",
      `${url}?sslmode=disable`,
      "--migrations-dir",
      migrations,
      "--no-dump-schema",
      ...args,
    ]).toString();
  write(FIRST);
  dbmate("up");
  await pg.sql(
    `INSERT INTO users (email, name) SELECT 'u' || g || '@example.com', 'seed-' || g FROM generate_series(1, ${SEEDED.users}) g;
     INSERT INTO orders (user_id, amount, status) SELECT g, g * 10, 'open' FROM generate_series(1, ${SEEDED.orders}) g;`,
    [],
    db,
  );
  const slot = `backout_${name}`;
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: replay-${name}
policies:
  retry: { initialInterval: 10ms }
  lock: { lease: ${extra.lockLease ?? "30s"} }
components:
  db:
    kind: postgres
    url: ${url}
    migrations: db/migrations
    format: dbmate
    dataLoss: ${extra.dataLoss ?? "confirm"}
    snapshot: dump
    strategy: ${extra.strategy ?? "restore"}
    slot: ${slot}
`,
  );
  const deploy = (): void => {
    write(DEPLOY);
    dbmate("up");
  };
  return { dir, db, url, slot, dbmate, deploy };
}

/** The app schema as a comparable list: table.column type nullability default. */
export async function schemaOf(pg: PgCluster, db: string): Promise<string[]> {
  const rows = await pg.sql(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS c
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`,
    [],
    db,
  );
  return rows.map((r) => r.c as string);
}
