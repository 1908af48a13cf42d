import { readdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../connection/queryable.js";
import { relationExists } from "../sql/catalog.js";
import { quoteIdent } from "../sql/quote.js";
import type { Migration, MigrationLayout } from "./layout.js";
import { compareVersions, historyTable, type HistoryTable, type LayoutOptions } from "./options.js";

// golang-migrate's source parser: `<version>_<title>.<up|down>.<ext>`; the version is a uint.
const FILE = /^(\d+)_(.*)\.(up|down)\.sql$/;

/**
 * golang-migrate keeps ONE row, (version bigint, dirty boolean): the current version. Its postgres
 * driver's SetVersion truncates the table and inserts the new version, or leaves it empty when
 * there is none (migrated all the way down). The applied list is therefore every file version up
 * to the current one, which is why this layout needs the migrations directory.
 */
export function golangMigrateLayout(options: LayoutOptions = {}): MigrationLayout {
  const table = historyTable(options, "schema_migrations");
  const files = async (): Promise<Migration[]> =>
    options.migrationsDir === undefined ? [] : readMigrations(options.migrationsDir);
  return {
    format: "golang-migrate",
    async detect(dir) {
      const names = await readdir(dir).catch(() => [] as string[]);
      return names.some((n) => FILE.test(n));
    },
    readMigrations,
    async appliedVersions(db) {
      const current = await currentVersion(db, table);
      if (current === undefined) return [];
      const older = (await files()).map((m) => m.version).filter((v) => compareVersions(v, current) < 0);
      return [...older, current];
    },
    async recordReverted(db, migration) {
      const previous = (await files())
        .map((m) => m.version)
        .filter((v) => compareVersions(v, migration.version) < 0)
        .at(-1);
      await setVersion(db, table, previous);
    },
    async recordApplied(db, migration) {
      await ensureTable(db, table);
      await setVersion(db, table, migration.version);
    },
  };
}

async function readMigrations(dir: string): Promise<Migration[]> {
  const byVersion = new Map<string, { name: string; up?: string; down?: string }>();
  for (const n of (await readdir(dir)).sort()) {
    const m = FILE.exec(n);
    if (m?.[1] === undefined) continue;
    // Stored as bigint: "0001" is version 1 in the table.
    const version = BigInt(m[1]).toString();
    const entry = byVersion.get(version) ?? { name: m[2] ?? "" };
    if (m[3] === "up") entry.up = resolve(dir, n);
    else entry.down = resolve(dir, n);
    byVersion.set(version, entry);
  }
  const out: Migration[] = [];
  for (const [version, e] of byVersion) {
    out.push({
      version,
      name: e.name,
      file: e.up ?? e.down ?? "",
      upSql: e.up === undefined ? undefined : await readFile(e.up, "utf8"),
      downFile: e.down,
      downSql: e.down === undefined ? undefined : await readFile(e.down, "utf8"),
    });
  }
  return out.sort((a, b) => compareVersions(a.version, b.version));
}

async function currentVersion(db: Queryable, table: HistoryTable): Promise<string | undefined> {
  if (!(await relationExists(db, table.sql))) return undefined;
  const r = await db.query<{ version: string; dirty: boolean }>(
    `SELECT version::text AS version, dirty FROM ${table.sql} LIMIT 1`,
  );
  const row = r.rows[0];
  if (row === undefined) return undefined;
  if (row.dirty) {
    throw new BackoutError(
      "PROVIDER_FAILED",
      `golang-migrate marks version ${row.version} as dirty in ${table.display}: a migration failed halfway, the schema is in an unknown state`,
      {
        retryable: false,
        details: { version: row.version },
        hint: `Repair the schema by hand, then run \`migrate force <version>\` (golang-migrate) to clear the dirty flag; backout will not revert on top of a half-applied migration.`,
      },
    );
  }
  return row.version;
}

async function setVersion(db: Queryable, table: HistoryTable, version: string | undefined): Promise<void> {
  await db.query(`TRUNCATE ${table.sql}`);
  if (version !== undefined) {
    await db.query(`INSERT INTO ${table.sql} (version, dirty) VALUES ($1, false)`, [version]);
  }
}

/** The table exactly as golang-migrate's postgres driver creates it. */
async function ensureTable(db: Queryable, table: HistoryTable): Promise<void> {
  if (table.schema !== undefined) await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.schema)}`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${table.sql} (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`,
  );
}
