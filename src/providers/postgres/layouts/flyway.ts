/**
 * Flyway layout. Versioned `V<version>__<desc>.sql` and undo `U<version>__<desc>.sql` (a Teams
 * feature) anywhere under the location; history in `flyway_schema_history`, append-only: Flyway's
 * undo does NOT delete the versioned row, it appends an `UNDO_SQL` row for the same version, and
 * a version is applied when its latest SQL/BASELINE row is not followed by an UNDO_SQL (or a
 * repair DELETE) row. A failed row (success = false) blocks everything until `flyway repair`.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../connection/queryable.js";
import { relationExists } from "../sql/catalog.js";
import { qualified, quoteIdent } from "../sql/quote.js";
import { compareFlywayVersions, flywayChecksum, parseFlywayName, sameFlywayVersion } from "./flyway-names.js";
import type { Migration, MigrationLayout } from "./layout.js";

export interface FlywayOptions {
  /** `flyway.table` (default flyway_schema_history). */
  table?: string;
  /** `flyway.defaultSchema` (default public). */
  schema?: string;
  /** `flyway.installedBy` (default: the connected role, as Flyway does). */
  installedBy?: string;
}

/** The exact DDL Flyway's PostgreSQLDatabase.getRawCreateScript issues (used by drill's recordApplied). */
export function flywayCreateTableSql(schema: string, table: string): string[] {
  const t = qualified(schema, table);
  return [
    `CREATE TABLE ${t} (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
)`,
    `ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(`${table}_pk`)} PRIMARY KEY ("installed_rank")`,
    `CREATE INDEX ${quoteIdent(`${table}_s_idx`)} ON ${t} ("success")`,
  ];
}

interface HistoryRow {
  installed_rank: number;
  version: string | null;
  type: string;
  script: string;
  success: boolean;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
  return out;
}

export function createFlywayLayout(options: FlywayOptions = {}): MigrationLayout {
  const table = options.table ?? "flyway_schema_history";
  const schema = options.schema ?? "public";
  const target = qualified(schema, table);

  async function history(db: Queryable): Promise<HistoryRow[] | undefined> {
    if (!(await relationExists(db, target))) return undefined;
    const res = await db.query<HistoryRow>(
      `SELECT installed_rank, version, type, script, success FROM ${target} ORDER BY installed_rank`,
    );
    return res.rows;
  }

  /** Applied versions in version order (Flyway's "current" is the highest). */
  function applied(rows: HistoryRow[]): string[] {
    const failed = rows.find((r) => !r.success);
    if (failed) {
      throw new BackoutError(
        "PROVIDER_FAILED",
        `Flyway history ${target} has a failed row: installed_rank ${failed.installed_rank}, version ${failed.version ?? "(none)"}, script ${failed.script}`,
        {
          hint: "Fix the database by hand to match that script's intent, then run `flyway repair` to remove the failed row, and capture again.",
          details: { installedRank: failed.installed_rank, version: failed.version, script: failed.script },
        },
      );
    }
    const live: string[] = [];
    for (const r of rows) {
      if (r.version === null) continue; // repeatable migrations and schema markers carry no version
      const v = r.version;
      const at = live.findIndex((x) => sameFlywayVersion(x, v));
      if (r.type === "UNDO_SQL" || r.type === "DELETE") {
        if (at >= 0) live.splice(at, 1);
      } else if (at < 0 && (r.type === "SQL" || r.type === "BASELINE" || r.type === "JDBC")) {
        live.push(v);
      }
    }
    return live.sort(compareFlywayVersions);
  }

  async function insertRow(
    db: Queryable,
    row: { version: string; description: string; type: string; script: string; checksum: number },
  ): Promise<void> {
    // Flyway appends with the next installed_rank; the caller's advisory lock serialises writers.
    await db.query(
      `INSERT INTO ${target} (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
       SELECT COALESCE(MAX(installed_rank), 0) + 1, $1, $2, $3, $4, $5, COALESCE($6, current_user), 0, true FROM ${target}`,
      [row.version, row.description, row.type, row.script, row.checksum, options.installedBy ?? null],
    );
  }

  return {
    format: "flyway",

    async detect(dir) {
      try {
        return (await walk(dir)).some((f) => parseFlywayName(basename(f))?.prefix === "V");
      } catch {
        return false;
      }
    },

    async readMigrations(dir) {
      const byVersion = new Map<string, Migration>();
      const undo = new Map<string, { file: string; sql: string }>();
      for (const file of await walk(dir)) {
        const parsed = parseFlywayName(basename(file));
        if (!parsed) continue;
        const sql = await readFile(file, "utf8");
        const clash = [...(parsed.prefix === "V" ? byVersion.keys() : undo.keys())].find((v) =>
          sameFlywayVersion(v, parsed.version),
        );
        if (clash !== undefined) {
          throw new BackoutError(
            "CONFIG_INVALID",
            `Flyway found more than one ${parsed.prefix} migration with version ${parsed.version} in ${dir}`,
            {
              hint: "Give every migration a unique version (Flyway itself refuses this layout).",
              details: { file },
            },
          );
        }
        if (parsed.prefix === "U") undo.set(parsed.version, { file, sql });
        else
          byVersion.set(parsed.version, {
            version: parsed.version,
            name: parsed.description,
            file,
            upSql: sql,
            downFile: undefined,
            downSql: undefined,
          });
      }
      for (const [v, u] of undo) {
        const m = [...byVersion.values()].find((x) => sameFlywayVersion(x.version, v));
        if (m) {
          m.downFile = u.file;
          m.downSql = u.sql;
        }
      }
      return [...byVersion.values()].sort((a, b) => compareFlywayVersions(a.version, b.version));
    },

    async appliedVersions(db) {
      const rows = await history(db);
      return rows ? applied(rows) : [];
    },

    async recordReverted(db, migration) {
      const rows = (await history(db)) ?? [];
      if (!applied(rows).some((v) => sameFlywayVersion(v, migration.version))) {
        throw new BackoutError(
          "PROVIDER_FAILED",
          `Flyway history ${target} does not list version ${migration.version} as applied`,
          {
            hint: "The history changed while the rollback ran; check `flyway info` and re-plan.",
          },
        );
      }
      if (migration.downFile === undefined || migration.downSql === undefined) {
        throw new BackoutError(
          "PROVIDER_FAILED",
          `Flyway migration ${migration.version} has no U${migration.version}__*.sql undo script`,
          {
            hint: "Write the undo migration next to the versioned one before rolling back past it.",
          },
        );
      }
      const parsed = parseFlywayName(basename(migration.downFile));
      await insertRow(db, {
        version: migration.version,
        description: parsed?.description ?? migration.name,
        type: "UNDO_SQL",
        script: basename(migration.downFile),
        checksum: flywayChecksum(migration.downSql),
      });
    },

    async recordApplied(db, migration) {
      if ((await history(db)) === undefined) {
        for (const sql of flywayCreateTableSql(schema, table)) await db.query(sql);
      }
      await insertRow(db, {
        version: migration.version,
        description: migration.name,
        type: "SQL",
        script: basename(migration.file),
        checksum: flywayChecksum(migration.upSql ?? ""),
      });
    },
  };
}

export const flywayLayout: MigrationLayout = createFlywayLayout();
