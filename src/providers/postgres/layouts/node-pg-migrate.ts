/**
 * node-pg-migrate (v8) layout. Files live flat in the migrations dir, named
 * `<13-digit ms timestamp | 17-digit utc>_<name>.<ext>`; the version is the file name without its
 * extension. SQL files split on `-- Up Migration` / `-- Down Migration` markers exactly as the
 * tool's sqlMigration.ts does. History: `pgmigrations(id serial, name varchar(255), run_on
 * timestamp)`, read ordered by (run_on, id); the tool's down is `DELETE ... WHERE name = <name>`
 * and its up `INSERT (name, run_on) VALUES (<name>, NOW())`.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../connection/queryable.js";
import { relationExists } from "../sql/catalog.js";
import { qualified } from "../sql/quote.js";
import type { Migration, MigrationLayout } from "./layout.js";
import { nodePgMigrateDryRun } from "./npm-dry-run.js";
import { type NpmToolOptions, searchPathPrefix } from "./npm-options.js";

export interface NodePgMigrateOptions {
  /** `--migrations-table` (default pgmigrations). */
  table?: string;
  /** `--migrations-schema`, else the first `--schema` (default public). */
  schema?: string;
  /** The migrations directory (where the project's node-pg-migrate is looked for). */
  migrationsDir?: string;
  /** The environment the migration code runs with (it may read settings from it). */
  env?: Record<string, string | undefined>;
  /** The tool's options as the project runs it (npm-options.ts); table/schema above override its history table. */
  nodePgMigrate?: NpmToolOptions;
}

// The tool's own marker regexes (src/sqlMigration.ts): `-- Up Migration`, `--- up migration`...
const UP_MARKER = /^\s*--[\s-]*up\s+migration/im;
const DOWN_MARKER = /^\s*--[\s-]*down\s+migration/im;
const SCRIPT_EXT = /\.(sql|js|cjs|mjs|ts|cts|mts)$/;

/** Splits a SQL migration the way node-pg-migrate does; down is undefined without a marker. */
function splitNodePgMigrateSql(content: string): { up: string; down: string | undefined } {
  const upStart = content.search(UP_MARKER);
  const downStart = content.search(DOWN_MARKER);
  const up = upStart >= 0 ? content.slice(upStart, downStart < upStart ? undefined : downStart) : content;
  const down =
    downStart >= 0 ? content.slice(downStart, upStart < downStart ? undefined : upStart) : undefined;
  return { up, down };
}

/** The tool's getNumericPrefix: 13 digits are ms since epoch, 17 digits a UTC yyyyMMddHHmmssSSS. */
function numericPrefix(fileName: string): number {
  const prefix = fileName.split("_")[0] ?? "";
  if (/^\d+$/.test(prefix)) {
    if (prefix.length === 13) return Number(prefix);
    if (prefix.length === 17) {
      const p = (a: number, b: number) => prefix.slice(a, b);
      return new Date(
        `${p(0, 4)}-${p(4, 6)}-${p(6, 8)}T${p(8, 10)}:${p(10, 12)}:${p(12, 14)}.${p(14, 17)}Z`,
      ).valueOf();
    }
  }
  return Number(prefix) || 0;
}

/** The tool's order: numeric prefix, then a numeric-aware locale compare ignoring punctuation. */
function compareFileNames(a: string, b: string): number {
  return (
    numericPrefix(a) - numericPrefix(b) ||
    a.localeCompare(b, undefined, {
      usage: "sort",
      numeric: true,
      sensitivity: "variant",
      ignorePunctuation: true,
    })
  );
}

async function migrationFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  // Default --ignore-pattern is "\..*": dotfiles are skipped, everything else is a migration.
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort(compareFileNames);
}

export function createNodePgMigrateLayout(options: NodePgMigrateOptions = {}): MigrationLayout {
  const tool = options.nodePgMigrate;
  const table = options.table ?? tool?.migrationsTable ?? "pgmigrations";
  const schema = options.schema ?? tool?.migrationsSchema ?? "public";
  const target = qualified(schema, table);
  // The tool runs every migration after `SET search_path TO <--schema>`: so does the SQL backout keeps.
  const prefix = searchPathPrefix(tool);
  const inPath = (sql: string | undefined) => (sql === undefined ? undefined : `${prefix}${sql}`);

  return {
    format: "node-pg-migrate",
    historyTable: `${schema}.${table}`,

    async detect(dir) {
      let names: string[];
      try {
        names = await migrationFiles(dir);
      } catch {
        return false;
      }
      for (const name of names) {
        if (!/^\d{13}_|^\d{17}_/.test(name) || !SCRIPT_EXT.test(name)) continue;
        if (extname(name) !== ".sql") return true;
        const content = await readFile(join(dir, name), "utf8");
        if (UP_MARKER.test(content) || DOWN_MARKER.test(content)) return true;
      }
      return false;
    },

    async readMigrations(dir) {
      const out: Migration[] = [];
      for (const name of await migrationFiles(dir)) {
        const file = resolve(dir, name);
        const version = basename(name, extname(name));
        if (extname(name) !== ".sql") {
          // JS/TS migrations build their SQL at run time: toolSql asks the tool when it is needed.
          out.push({
            version,
            name: version.replace(/^\d+_/, ""),
            file,
            upSql: undefined,
            downFile: undefined,
            downSql: undefined,
            runtime: true,
          });
          continue;
        }
        const { up, down } = splitNodePgMigrateSql(await readFile(file, "utf8"));
        out.push({
          version,
          name: version.replace(/^\d+_/, ""),
          file,
          upSql: inPath(up),
          downFile: down === undefined ? undefined : file,
          downSql: inPath(down),
        });
      }
      return out;
    },

    async appliedVersions(db: Queryable) {
      if (!(await relationExists(db, target))) return [];
      const rows = await db.query<{ name: string }>(`SELECT name FROM ${target} ORDER BY run_on, id`);
      return rows.rows.map((r) => r.name);
    },

    async recordReverted(db, migration) {
      const res = await db.query(`DELETE FROM ${target} WHERE name = $1`, [migration.version]);
      if (res.rowCount === 0) {
        throw new BackoutError(
          "PROVIDER_FAILED",
          `node-pg-migrate history ${target} has no row for ${migration.version}`,
          {
            hint: "The history changed while the rollback ran; check `node-pg-migrate` status and re-plan.",
            details: { version: migration.version },
          },
        );
      }
    },

    async toolSql(all, wanted) {
      const runtime = wanted.filter((m) => m.runtime === true);
      const answers = await nodePgMigrateDryRun({
        dir: options.migrationsDir ?? dirname(runtime[0]?.file ?? "."),
        files: all.map((m) => m.file),
        wanted: runtime.map((m) => m.file),
        table,
        schema,
        schemas: tool?.schemas ?? ["public"],
        decamelize: tool?.decamelize ?? false,
        env: options.env ?? process.env,
      });
      return wanted.map((m) => {
        const a = answers.get(m.file);
        if (m.runtime !== true || a === undefined) return m;
        const filled: Migration = { ...m };
        if ("sql" in a.down) {
          filled.downSql = inPath(a.down.sql);
          filled.downFile = m.file;
          filled.downTransaction = a.down.transaction;
        } else filled.downProblem = a.down.problem;
        if ("sql" in a.up) {
          filled.upSql = inPath(a.up.sql);
          filled.upTransaction = a.up.transaction;
        } else filled.upProblem = a.up.problem;
        return filled;
      });
    },

    async recordApplied(db, migration) {
      await db.query(
        `CREATE TABLE IF NOT EXISTS ${target} (id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL)`,
      );
      await db.query(`INSERT INTO ${target} (name, run_on) VALUES ($1, NOW())`, [migration.version]);
    },
  };
}

export const nodePgMigrateLayout: MigrationLayout = createNodePgMigrateLayout();
