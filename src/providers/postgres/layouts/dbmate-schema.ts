/**
 * dbmate re-dumps its schema file after every migrate and rollback (unless --no-dump-schema /
 * DBMATE_NO_DUMP_SCHEMA). After reverting a dbmate migration, backout writes that file exactly as
 * dbmate 2.x's postgres driver does (pkg/driver/postgres DumpSchema, pkg/dbutil
 * TrimLeadingSQLComments): `pg_dump --format=plain --encoding=UTF8 --schema-only --no-privileges
 * --no-owner [--restrict-key=dbmate] [--schema S for each search_path entry] URL`, then the
 * "Dbmate schema migrations" INSERT of the applied versions, the leading comment and blank lines
 * dropped and trailing white space trimmed from every line.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Queryable } from "../connection/queryable.js";
import { runPgTool, runPgToolOk, type PgToolRun } from "../tools/run-pg-tool.js";

export interface DbmateSchemaOptions {
  /** The component's url (the password goes to pg_dump through PGPASSWORD, not its argv). */
  url: string;
  /** The history table setting ("table" or "schema.table"), default schema_migrations. */
  historyTable: string | undefined;
  /** Absolute path of the schema file. */
  file: string;
  /** Directory of the pg_dump to run; undefined: the one on PATH (as dbmate). */
  pgBin: string | undefined;
  env: Record<string, string | undefined>;
  redact: (text: string) => string;
}

/** Go's strconv.ParseBool true values (dbmate's BoolFlag reads DBMATE_NO_DUMP_SCHEMA with it). */
function goTrue(v: string | undefined): boolean {
  return v !== undefined && ["1", "t", "T", "TRUE", "true", "True"].includes(v);
}

/**
 * Where dbmate keeps the schema file of this component, or undefined when it would not dump one:
 * `dumpSchema: false` or DBMATE_NO_DUMP_SCHEMA; else the `schemaFile` setting, DBMATE_SCHEMA_FILE,
 * or dbmate's default `db/schema.sql` (next to a `db/migrations` directory: `<migrations>/../schema.sql`),
 * relative to backout.yaml. Unless `dumpSchema: true`, only a file that exists is rewritten: a
 * project running dbmate with --no-dump-schema on its command line has none, and gets none.
 */
export function dbmateSchemaFile(
  settings: { dumpSchema?: boolean | undefined; schemaFile?: string | undefined },
  migrationsDir: string,
  baseDir: string,
  env: Record<string, string | undefined>,
): string | undefined {
  if (
    settings.dumpSchema === false ||
    (settings.dumpSchema === undefined && goTrue(env.DBMATE_NO_DUMP_SCHEMA))
  )
    return undefined;
  const configured = settings.schemaFile ?? env.DBMATE_SCHEMA_FILE;
  const file =
    configured === undefined ? resolve(migrationsDir, "..", "schema.sql") : resolve(baseDir, configured);
  return settings.dumpSchema === true || existsSync(file) ? file : undefined;
}

/** pg_dump ≥ 15.14 / 16.10 / 17.6 takes --restrict-key: dbmate fixes it to "dbmate" (reproducible output). */
async function restrictKey(run: PgToolRun): Promise<string[]> {
  const out = await runPgTool({ ...run, timeoutMs: 10_000 }, "pg_dump", () => ["--version"]).catch(
    () => undefined,
  );
  const m = /\(PostgreSQL\) (\d+)\.(\d+)/.exec(out?.stdout ?? "");
  if (!m) return [];
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const ok =
    major > 17 ||
    (major === 17 && minor >= 6) ||
    (major === 16 && minor >= 10) ||
    (major === 15 && minor >= 14);
  return ok ? ["--restrict-key=dbmate"] : [];
}

/** dbmate's quoted history table: schema from the setting, the URL's search_path, or current_schema(). */
async function quotedHistoryTable(
  db: Queryable,
  url: URL,
  historyTable: string | undefined,
): Promise<string> {
  const parts = (historyTable ?? "schema_migrations").split(".");
  let schema = parts.length > 1 ? (parts.shift() ?? "") : "";
  if (schema === "") schema = (url.searchParams.get("search_path") ?? "").split(",")[0]?.trim() ?? "";
  if (schema === "") {
    const { rows } = await db.query<{ s: string }>("SELECT current_schema() AS s");
    schema = rows[0]?.s ?? "public";
  }
  // Quoted by the server, as dbmate does (no quotes where none are needed).
  const { rows } = await db.query<{ q: string }>("SELECT quote_ident(unnest($1::text[])) AS q", [
    [schema, ...parts],
  ]);
  const [s, ...t] = rows.map((r) => r.q);
  return `${s ?? ""}.${t.join(".")}`;
}

/** dbmate's TrimLeadingSQLComments: drop the leading blank and `--` lines, trim each line's end. */
export function trimLeadingSqlComments(text: string): string {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let i = 0;
  while (i < lines.length && ((lines[i] ?? "") === "" || (lines[i] ?? "").startsWith("--"))) i++;
  return lines
    .slice(i)
    .map((l) => `${l.replace(/\s+$/u, "")}\n`)
    .join("");
}

/** Writes the schema file as `dbmate dump` would now; atomic (temporary file, rename). */
export async function dumpDbmateSchema(db: Queryable, o: DbmateSchemaOptions): Promise<void> {
  const url = new URL(o.url);
  const schemas = (url.searchParams.get("search_path") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const dumpUrl = new URL(o.url);
  dumpUrl.searchParams.delete("search_path");
  dumpUrl.searchParams.delete("binary_parameters");
  const run: PgToolRun = {
    bin: o.pgBin,
    url: dumpUrl.toString(),
    env: o.env,
    redact: o.redact,
    timeoutMs: 120_000,
  };
  const restrict = await restrictKey(run);
  // The URL last, by position, as dbmate places it.
  const dump = await runPgToolOk(run, "pg_dump", (u) => [
    "--format=plain",
    "--encoding=UTF8",
    "--schema-only",
    "--no-privileges",
    "--no-owner",
    ...restrict,
    ...schemas.flatMap((s) => ["--schema", s]),
    u,
  ]);
  const table = await quotedHistoryTable(db, url, o.historyTable);
  const { rows } = await db.query<{ v: string }>(
    `SELECT quote_literal(version) AS v FROM ${table} ORDER BY version ASC`,
  );
  // runCommand strips the final newline pg_dump always writes: put it back.
  let text = `${dump.stdout}\n\n--\n-- Dbmate schema migrations\n--\n\n`;
  if (rows.length > 0)
    text += `INSERT INTO ${table} (version) VALUES\n    (${rows.map((r) => r.v).join("),\n    (")});\n`;
  await mkdir(dirname(o.file), { recursive: true });
  const tmp = `${o.file}.backout-${process.pid}`;
  await writeFile(tmp, trimLeadingSqlComments(text), { mode: 0o644 });
  await rename(tmp, o.file);
}

export interface AfterRevertInput {
  url: string;
  historyTable: string | undefined;
  migrationsDir: string;
  baseDir: string;
  env: Record<string, string | undefined>;
  settings: { dumpSchema?: boolean | undefined; schemaFile?: string | undefined };
  redact: (text: string) => string;
}

/**
 * After a dbmate migration was reverted (or found reverted on resume): re-dump the schema file as
 * dbmate's rollback does. Like dbmate, a failing dump does not fail the rollback (the database
 * is already right); the step's output says the file is stale and why.
 */
export async function afterDbmateRevert(db: Queryable, input: AfterRevertInput): Promise<string | undefined> {
  const file = dbmateSchemaFile(input.settings, input.migrationsDir, input.baseDir, input.env);
  if (file === undefined) return undefined;
  try {
    await dumpDbmateSchema(db, {
      url: input.url,
      historyTable: input.historyTable,
      file,
      // dbmate runs the pg_dump on its PATH; BACKOUT_PG_BIN points at another installation.
      pgBin: input.env.BACKOUT_PG_BIN,
      env: input.env,
      redact: input.redact,
    });
    return `wrote ${file} (pg_dump, as dbmate does after a rollback)`;
  } catch (e) {
    return input.redact(
      `schema file ${file} NOT updated (dbmate would have re-dumped it): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}
