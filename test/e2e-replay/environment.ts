/**
 * One backout environment for the restore-and-replay tests: a database in a logical-decoding
 * cluster, dbmate migrations (users, orders), seeded rows, and a backout.yaml whose `db`
 * component takes a dump (or PITR) snapshot at each checkpoint and rolls back by restore-and-replay.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { dbmateProject } from "../support/dbmate.js";
import type { PgCluster } from "../support/postgres.js";
import { tempDir } from "../e2e/cli.js";

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
  /**
   * deploy() without blocking the event loop: under load, a writer of this process may hold a
   * row lock between UPDATE and COMMIT; ALTER TABLE waits for it, and a blocked event loop
   * never sends that COMMIT (a deadlock the server cannot see).
   */
  deployAsync(): Promise<void>;
}

export interface EnvOptions {
  dataLoss?: string;
  strategy?: string;
  lockLease?: string;
  /** snapshot: pitr, with the cluster's data directory and WAL archive (default: snapshot: dump). */
  pitr?: { dataDir: string; walArchive: string; sparePort?: number };
  /** keepBefore of the db component (default: the setting's default). */
  keepBefore?: number;
}

export async function replayEnvironment(
  pg: Pick<PgCluster, "createDatabase" | "sql">,
  name: string,
  extra: EnvOptions = {},
): Promise<ReplayEnv> {
  const dir = tempDir(`replay-${name}`);
  const db = `app_${name}`;
  const url = await pg.createDatabase(db);
  const project = dbmateProject(url, join(dir, "db", "migrations"));
  const write = (files: Record<string, string>): void => project.write(files);
  const dbmate = (...args: string[]): string => project.run(...args);
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
    snapshot: ${extra.pitr ? `pitr\n    pitr: { dataDir: ${extra.pitr.dataDir}, walArchive: ${extra.pitr.walArchive}${extra.pitr.sparePort === undefined ? "" : `, sparePort: ${extra.pitr.sparePort}`} }` : "dump"}${extra.keepBefore === undefined ? "" : `\n    keepBefore: ${extra.keepBefore}`}
    strategy: ${extra.strategy ?? "restore"}
    slot: ${slot}
`,
  );
  const deploy = (): void => {
    write(DEPLOY);
    dbmate("up");
  };
  const deployAsync = async (): Promise<void> => {
    write(DEPLOY);
    await project.runAsync("up");
  };
  return { dir, db, url, slot, dbmate, deploy, deployAsync };
}

/** The app schema as a comparable list: table.column type nullability default. */
export async function schemaOf(pg: Pick<PgCluster, "sql">, db: string): Promise<string[]> {
  const rows = await pg.sql(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS c
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`,
    [],
    db,
  );
  return rows.map((r) => r.c as string);
}
