/**
 * The `integrity` check's schema and name (no database driver here: the config loads this).
 * The `integrity` check: after a database rollback, is the data still consistent? It looks
 * for three things a rollback (or a restore with triggers off) can leave behind: constraints
 * never validated, rows that break a declared foreign key, and sequences behind the largest
 * value of the column they feed (the next insert would collide). Each finding is one problem;
 * any problem fails the check. A database that cannot be reached is an "error": nothing was judged.
 */
import * as z from "zod";
import { checkFields } from "./check-fields.js";

export const integrityCheckSchema = z
  .strictObject({
    integrity: z
      .strictObject({
        postgres: z
          .string()
          .regex(/^postgres(?:ql)?:\/\//, { error: "expected a postgres:// connection URL" })
          .describe(
            "Connection URL of the database to check, e.g. postgres://app:${DB_PASSWORD}@db:5432/app.",
          ),
        schema: z
          .string()
          .min(1)
          .default("public")
          .describe("Schema whose tables are checked. Default public."),
      })
      .describe("The database and schema to check."),
    ...checkFields("30s", 0),
  })
  .describe(
    "Check a PostgreSQL schema's integrity: unvalidated constraints, orphaned rows, sequences behind.",
  );

export type IntegrityCheckSpec = z.output<typeof integrityCheckSchema>;

/** postgres://host:port/db, never the user or password. */
export function databaseLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return "the database";
  }
}

export function integrityCheckName(spec: IntegrityCheckSpec, redact: (s: string) => string): string {
  if (spec.name !== undefined) return redact(spec.name);
  return redact(`integrity ${databaseLabel(spec.integrity.postgres)} (schema ${spec.integrity.schema})`);
}
