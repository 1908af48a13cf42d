import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../connection/queryable.js";
import { relationExists } from "../sql/catalog.js";
import { quoteIdent } from "../sql/quote.js";
import type { Migration, MigrationLayout } from "./layout.js";
import { compareVersions, historyTable, isBlankSql, type LayoutOptions } from "./options.js";

// dbmate: the leading digits of `<version>_<name>.sql` are the version it stores.
const FILE = /^(\d+)(?:_(.*))?\.sql$/;
const MARKER = /^--\s*migrate:(up|down)\b(.*)$/gm;

/** A dbmate migration also says whether its down may run in a transaction (`transaction:false`). */
export interface DbmateMigration extends Migration {
  downTransaction: boolean;
}

/** Splits a dbmate file into its `-- migrate:up` and `-- migrate:down` sections. */
export function parseDbmate(
  text: string,
  file: string,
): { up: string; down?: string; downTransaction: boolean } {
  const markers = [...text.matchAll(MARKER)];
  const up = markers.find((m) => m[1] === "up");
  if (up === undefined) {
    throw new BackoutError("PLAN_INVALID", `${file} has no "-- migrate:up" line`, {
      where: { file },
      hint: "A dbmate migration starts with `-- migrate:up`, followed by `-- migrate:down` and the SQL that undoes it.",
    });
  }
  const down = markers.find((m) => m[1] === "down");
  const section = (m: RegExpMatchArray): string => {
    const start = (m.index ?? 0) + m[0].length;
    const next = markers.find((o) => (o.index ?? 0) > (m.index ?? 0));
    return text.slice(start, next?.index ?? text.length);
  };
  const upSql = section(up);
  if (down === undefined) return { up: upSql, downTransaction: true };
  return { up: upSql, down: section(down), downTransaction: !/\btransaction:false\b/.test(down[2] ?? "") };
}

export function dbmateLayout(options: LayoutOptions = {}): MigrationLayout {
  const table = historyTable(options, "schema_migrations");
  return {
    format: "dbmate",
    async detect(dir) {
      for (const name of await sqlFiles(dir)) {
        if (/^--\s*migrate:up\b/m.test(await readFile(join(dir, name), "utf8"))) return true;
      }
      return false;
    },
    async readMigrations(dir): Promise<DbmateMigration[]> {
      const out: DbmateMigration[] = [];
      for (const name of await sqlFiles(dir)) {
        const m = FILE.exec(name);
        if (m?.[1] === undefined) continue;
        const file = resolve(dir, name);
        const parsed = parseDbmate(await readFile(file, "utf8"), file);
        const hasDown = parsed.down !== undefined && !isBlankSql(parsed.down);
        out.push({
          version: m[1],
          name: m[2] ?? "",
          file,
          upSql: parsed.up,
          downFile: hasDown ? file : undefined,
          downSql: hasDown ? parsed.down : undefined,
          downTransaction: parsed.downTransaction,
        });
      }
      return out.sort((a, b) => compareVersions(a.version, b.version));
    },
    async appliedVersions(db) {
      if (!(await relationExists(db, table.sql))) return [];
      const r = await db.query<{ version: string }>(`SELECT version FROM ${table.sql}`);
      return r.rows.map((row) => row.version).sort(compareVersions);
    },
    async recordReverted(db, migration) {
      // dbmate's own rollback deletes the row.
      await db.query(`DELETE FROM ${table.sql} WHERE version = $1`, [migration.version]);
    },
    async recordApplied(db, migration) {
      await ensureTable(db, table.schema, table.sql);
      await db.query(`INSERT INTO ${table.sql} (version) VALUES ($1) ON CONFLICT DO NOTHING`, [
        migration.version,
      ]);
    },
  };
}

/** The table exactly as dbmate creates it, so dbmate keeps working with it. */
async function ensureTable(db: Queryable, schema: string | undefined, sql: string): Promise<void> {
  if (schema !== undefined) await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await db.query(`CREATE TABLE IF NOT EXISTS ${sql} (version varchar(128) PRIMARY KEY)`);
}

async function sqlFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => FILE.test(n) && !n.endsWith(".up.sql") && !n.endsWith(".down.sql")).sort();
}
