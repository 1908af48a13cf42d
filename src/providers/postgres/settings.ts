import * as z from "zod";
import { DURATION_HELP, durationSetting } from "../../config/schema-parts.js";
import type { ProviderContext } from "../../core/provider.js";
import { lazily } from "../../core/lazily.js";
import { readProviderSettings } from "../../core/provider-settings.js";
import { MIGRATION_FORMATS } from "./layouts/layout.js";

function buildSchema() {
  const identifier = z.string().min(1).max(63);

  return z
    .strictObject({
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, { error: "expected postgres://user:password@host:port/database" })
        .describe("postgres://user:password@host:port/database; the password is redacted everywhere."),
      migrations: z
        .string()
        .min(1)
        .describe("Directory of the migration files, relative to backout.yaml (e.g. ./db/migrations)."),
      format: z
        .enum(["auto", ...MIGRATION_FORMATS])
        .default("auto")
        .describe(
          "Migration tool whose files and history table are used: auto (detected from the files), dbmate, golang-migrate, node-pg-migrate, sqitch or flyway.",
        ),
      schema: identifier
        .default("public")
        .describe("Schema of the application's tables: the scope of the schema fingerprint."),
      lockTimeout: durationSetting({ allowZero: false })
        .default("5s")
        .describe(
          `lock_timeout of each down migration (${DURATION_HELP}): a down never waits longer for a lock.`,
        ),
      statementTimeout: durationSetting({ allowZero: false })
        .default("5m")
        .describe(`statement_timeout of each down migration (${DURATION_HELP}).`),
      archiveSchema: identifier
        .default("backout_archive")
        .describe("Schema where the archive policy keeps the data a down would destroy."),
      historyTable: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Override of the tool's history table name (schema.table or table), e.g. when dbmate runs with --migrations-table.",
        ),
      committer: z
        .strictObject({
          name: z.string().min(1).optional().describe("user.name"),
          email: z.string().min(1).optional().describe("user.email"),
        })
        .optional()
        .describe(
          "Sqitch: who the registry names as committer of backout's events. Default: as Sqitch finds it (SQITCH_FULLNAME/SQITCH_EMAIL, then user.name/user.email of its sqitch.conf files, then the system user).",
        ),
      nodePgMigrate: z
        .strictObject({
          schema: z
            .union([identifier, z.array(identifier).min(1)])
            .optional()
            .describe("--schema: the search_path the tool runs migrations with (default public)."),
          migrationsSchema: identifier
            .optional()
            .describe("--migrations-schema: schema of the history table (default: the first schema)."),
          migrationsTable: identifier
            .optional()
            .describe("--migrations-table: the history table (default pgmigrations)."),
          decamelize: z
            .boolean()
            .optional()
            .describe("--decamelize: table and column names are decamelized."),
          configFile: z
            .string()
            .min(1)
            .optional()
            .describe("--config-file: the tool's JSON configuration, relative to backout.yaml."),
          configValue: z
            .string()
            .min(1)
            .optional()
            .describe("--config-value: the section of the configuration to read (default db)."),
        })
        .optional()
        .describe(
          "The node-pg-migrate options the project runs the tool with, so backout's down SQL and history updates are the tool's own. As the tool does, values in node-config's config/*.json (when the project has the config package) and then in configFile override these.",
        ),
      dbmate: z
        .strictObject({
          schemaFile: z
            .string()
            .min(1)
            .optional()
            .describe(
              "dbmate's --schema-file, relative to backout.yaml (default: DBMATE_SCHEMA_FILE, else schema.sql next to the migrations directory, as dbmate's db/schema.sql).",
            ),
          dumpSchema: z
            .boolean()
            .optional()
            .describe(
              "Re-dump the schema file after reverting, as dbmate does after a rollback. Default: when the file exists and DBMATE_NO_DUMP_SCHEMA is not set; false: never (dbmate's --no-dump-schema).",
            ),
        })
        .optional()
        .describe("dbmate's schema file (db/schema.sql), kept as dbmate keeps it."),
      snapshot: z
        .enum(["none", "dump", "pitr"])
        .default("none")
        .describe(
          "Restore-and-replay: at each checkpoint, create a logical replication slot and a restore point, and take a dump (dump) or keep a base backup and WAL archive (pitr).",
        ),
      strategy: z
        .enum(["auto", "reverse", "restore"])
        .default("auto")
        .describe(
          "How a rollback goes back: reverse (down migrations), restore (restore the snapshot and replay every write since), or auto (reverse when every down is safe or archivable, else restore).",
        ),
      slot: identifier
        .optional()
        .describe("Name of the logical replication slot (default backout_<component>)."),
      keepSnapshots: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe(
          "How many of the newest checkpoints keep their snapshot: the replication slot (which holds the server's WAL since its checkpoint) and the dump or base backup. A new checkpoint removes older ones; a restore to an older checkpoint then fails to plan (use strategy: reverse or a newer checkpoint).",
        ),
      keepBefore: z
        .number()
        .int()
        .min(0)
        .default(3)
        .describe(
          "How many pre-rollback copies a restore keeps (databases <db>__before_<rollback>, PITR data directories <dataDir>__before_<rollback>): after each successful restore the older ones are removed. `backout status` shows their count and size; `backout archive prune` removes them by hand.",
        ),
      captureDir: z
        .string()
        .min(1)
        .default(".backout/capture")
        .describe(
          "Where captured changes are kept (outside the database being restored), relative to backout.yaml.",
        ),
      snapshotDir: z
        .string()
        .min(1)
        .default(".backout/snapshots")
        .describe("Where checkpoint dumps and base backups are kept, relative to backout.yaml."),
      replay: z
        .strictObject({
          exclude: z
            .array(z.string().min(1))
            .default([])
            .describe("Tables (schema.table or table) whose writes are not replayed."),
          until: z.iso
            .datetime({
              offset: true,
              error: 'expected an ISO time with a zone, e.g. "2026-11-27T04:30:00Z"',
            })
            .optional()
            .describe("ISO time: writes committed after it are not replayed (they go to the archive)."),
        })
        .prefault({})
        .describe("Options of the replay of writes made since the checkpoint."),
      pitr: z
        .strictObject({
          dataDir: z.string().min(1).describe("The live cluster's data directory."),
          walArchive: z
            .string()
            .min(1)
            .describe("Directory the server's archive_command copies WAL segments to."),
          pgBin: z
            .string()
            .min(1)
            .default("/usr/lib/postgresql/15/bin")
            .describe("Directory of pg_ctl, pg_basebackup."),
          sparePort: z
            .number()
            .int()
            .min(1)
            .max(65535)
            .optional()
            .describe(
              "Loopback port of the temporary server the recovered copy runs on until the swap (default: a free port the OS picks). Set it when a firewall or a port policy needs to know it.",
            ),
          restoreCommand: z
            .string()
            .optional()
            .describe(
              "restore_command for recovery, when pgBackRest or WAL-G keep the WAL (default: copy from walArchive).",
            ),
        })
        .optional()
        .describe("For snapshot: pitr: where the cluster and its WAL archive are."),
    })
    .describe(
      "A PostgreSQL database rolled back by running its migration tool's down scripts, or by restore-and-replay.",
    );
}

/** Built on its first use: `backout status` on an environment without postgres components never builds it. */
export const postgresSettingsSchema = lazily(buildSchema);

export type PostgresSettings = z.output<ReturnType<typeof postgresSettingsSchema>>;

// Read a duration setting with durationMs (one for every provider).
export { durationMs } from "../../config/durations.js";

/** Parse again: applies defaults for hand-built components and checks what we were given. */
export function readSettings(ctx: ProviderContext<PostgresSettings>): PostgresSettings {
  return readProviderSettings(postgresSettingsSchema(), "postgres", ctx as ProviderContext<unknown>);
}
