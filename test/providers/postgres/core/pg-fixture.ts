/** Shared pieces of the postgres core tests: a migration set in two tool layouts, contexts, runs. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ComponentState, DataLossPolicy, PlannedStep, StepSpec } from "../../../../src/core/model.js";
import type { ProviderContext } from "../../../../src/core/provider.js";
import { postgresProvider, type PostgresSettings } from "../../../../src/providers/postgres/index.js";
import { layoutFor } from "../../../../src/providers/postgres/layouts/detect.js";
import type { MigrationFormat } from "../../../../src/providers/postgres/layouts/layout.js";
import { contextFor, planned } from "../../context.js";
import type { PgCluster } from "../../../support/postgres.js";
import { tempDir } from "../../../support/temp-dir.js";

/**
 * One app's history: additive (create table, add column), a data-transforming backfill, a
 * destructive up (drop column) whose down is additive again.
 */
export interface Mig {
  n: number;
  name: string;
  up: string;
  down: string | undefined;
}

export const MIGRATIONS: Mig[] = [
  {
    n: 1,
    name: "create_users",
    up: "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, legacy_flag boolean NOT NULL DEFAULT false);",
    down: "DROP TABLE users;",
  },
  {
    n: 2,
    name: "add_nickname",
    up: "ALTER TABLE users ADD COLUMN nickname text;\nCREATE INDEX users_nickname_idx ON users (nickname);",
    down: "DROP INDEX users_nickname_idx;\nALTER TABLE users DROP COLUMN nickname;",
  },
  {
    n: 3,
    name: "backfill_nickname",
    up: "UPDATE users SET nickname = split_part(email, '@', 1) WHERE nickname IS NULL;",
    down: "UPDATE users SET nickname = NULL;",
  },
  {
    n: 4,
    name: "drop_legacy_flag",
    up: "ALTER TABLE users DROP COLUMN legacy_flag;",
    down: "ALTER TABLE users ADD COLUMN legacy_flag boolean NOT NULL DEFAULT false;",
  },
];

/** dbmate versions are timestamps; golang-migrate's are small numbers. */
export const dbmateVersion = (n: number): string => `2024010100000${n}`;

export function writeDbmate(dir: string, migs: Mig[] = MIGRATIONS): string {
  mkdirSync(dir, { recursive: true });
  for (const m of migs) {
    const down = m.down === undefined ? "" : `\n-- migrate:down\n${m.down}\n`;
    writeFileSync(join(dir, `${dbmateVersion(m.n)}_${m.name}.sql`), `-- migrate:up\n${m.up}\n${down}`);
  }
  return dir;
}

export function writeGolangMigrate(dir: string, migs: Mig[] = MIGRATIONS): string {
  mkdirSync(dir, { recursive: true });
  for (const m of migs) {
    const base = `${String(m.n).padStart(4, "0")}_${m.name}`;
    writeFileSync(join(dir, `${base}.up.sql`), `${m.up}\n`);
    if (m.down !== undefined) writeFileSync(join(dir, `${base}.down.sql`), `${m.down}\n`);
  }
  return dir;
}

export function pgCtx(
  baseDir: string,
  settings: Partial<Record<keyof PostgresSettings, unknown>>,
  dataLossPolicy: DataLossPolicy = "confirm",
): ProviderContext<PostgresSettings> {
  return contextFor(postgresProvider, {
    name: "db",
    baseDir,
    settings: { migrations: "migrations", ...settings },
    dataLossPolicy,
    rollbackId: "rb-test",
  });
}

export async function planSteps(
  ctx: ProviderContext<PostgresSettings>,
  target: ComponentState,
): Promise<PlannedStep[]> {
  const current = await postgresProvider.capture(ctx);
  const specs: StepSpec[] = await postgresProvider.plan(ctx, current, target);
  return specs.map((s, i) => planned(ctx as ProviderContext<unknown>, s, i + 1));
}

export const USERS = ["ada@example.com", "bob@example.com", "cy@example.com"];

/** Applies the ups up to version `upTo` and records each as the tool would (for golang-migrate, which is not installed). */
export async function migrateUp(
  cluster: PgCluster,
  database: string,
  format: MigrationFormat,
  dir: string,
  upTo: number,
): Promise<void> {
  const layout = layoutFor(format, { migrationsDir: dir });
  const client = await cluster.connect(database);
  try {
    const applied = await layout.appliedVersions(client);
    for (const m of (await layout.readMigrations(dir)).slice(0, upTo)) {
      if (applied.includes(m.version)) continue;
      await client.query("BEGIN");
      await client.query(m.upSql ?? "");
      await layout.recordApplied(client, m);
      await client.query("COMMIT");
    }
  } finally {
    await client.end();
  }
}

export async function seedUsers(cluster: PgCluster, database: string): Promise<void> {
  for (const email of USERS) await cluster.sql("INSERT INTO users (email) VALUES ($1)", [email], database);
}

/**
 * A dbmate app on `cluster`: the first two migrations applied, users seeded, and its context
 * for restore-and-replay (snapshot: dump, strategy: restore, then `settings`).
 */
export async function restoreApp(
  cluster: PgCluster,
  db: string,
  settings: Record<string, unknown> = {},
): Promise<{ ctx: ProviderContext<PostgresSettings>; dir: string }> {
  const baseDir = tempDir(`app-${db}`);
  const dir = writeDbmate(join(baseDir, "migrations"));
  await cluster.createDatabase(db);
  await migrateUp(cluster, db, "dbmate", dir, 2);
  await seedUsers(cluster, db);
  const ctx = pgCtx(baseDir, {
    url: cluster.url(db),
    format: "dbmate",
    snapshot: "dump",
    strategy: "restore",
    ...settings,
  });
  return { ctx, dir };
}
