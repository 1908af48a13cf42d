import { z } from "zod";
import { DURATION_PATTERN, parseDuration } from "../../config/durations.js";
import { BackoutError } from "../../core/errors.js";
import type { ProviderContext } from "../../core/provider.js";
import { MIGRATION_FORMATS } from "./layouts/layout.js";

const DURATION_HELP = 'a number of seconds, or a string like "500ms", "5s", "5m"';

// Kept in the form the file gave (not converted to ms): settings are parsed twice (config loader,
// then readSettings), and a transform to ms would turn "5s" into 5000 seconds the second time.
const durationText = z.union([
  z.number().positive({ error: `expected ${DURATION_HELP}, longer than zero` }),
  z.string().regex(DURATION_PATTERN, { error: `expected ${DURATION_HELP}` }),
]);

const identifier = z.string().min(1).max(63);

export const postgresSettingsSchema = z
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
    lockTimeout: durationText
      .default("5s")
      .describe(
        `lock_timeout of each down migration (${DURATION_HELP}): a down never waits longer for a lock.`,
      ),
    statementTimeout: durationText
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
  })
  .describe("A PostgreSQL database rolled back by running its migration tool's down scripts.");

export type PostgresSettings = z.output<typeof postgresSettingsSchema>;

/** Milliseconds of a duration setting (validated by the schema, so never undefined in practice). */
export function durationMs(value: number | string): number {
  return parseDuration(value) ?? 0;
}

/** Parse again: applies defaults for hand-built components and checks what we were given. */
export function readSettings(ctx: ProviderContext<PostgresSettings>): PostgresSettings {
  const parsed = postgresSettingsSchema.safeParse(ctx.component.settings);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new BackoutError(
    "CONFIG_INVALID",
    ctx.redact(`invalid postgres settings: ${issue?.message ?? "unknown"}`),
    {
      where: { component: ctx.component.name, field: issue?.path.join(".") },
      hint: "Fix the component's settings in backout.yaml (see `backout schema postgres`).",
    },
  );
}
