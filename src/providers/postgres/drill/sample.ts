/**
 * The fallback scratch copy: the live schema (pg_dump --schema-only, pg_restore) and a sample of
 * the data. Each table gets up to N rows, copied parents before children (foreign key order);
 * rows whose parent was not sampled are left out, so every copied row satisfies its keys.
 * Migration history tables are copied whole: the drill must see exactly what is applied.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { BackoutError } from "../../../core/errors.js";
import { qualified, quoteIdent } from "../sql/quote.js";
import { pgTarget } from "../connection/url.js";
import { connectUrl, DRILL_APP } from "../connection/client.js";
import { runPgTool, type PgToolRun } from "../tools/run-pg-tool.js";
import { tablesInKeyOrder, type TableInfo } from "./tables.js";

export interface PgTools {
  /** Directory of pg_dump and pg_restore; empty: found on PATH. */
  pgBin?: string;
}

/** Tables the migration tools keep their history in: always copied in full. */
const HISTORY_TABLES = new Set(["schema_migrations", "pgmigrations", "flyway_schema_history"]);
const HISTORY_SCHEMAS = new Set(["sqitch"]);

export async function restoreSchema(tools: PgTools, liveUrl: string, scratchUrl: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "backout-drill-"));
  const file = join(dir, "schema.dump");
  const redact = pgTarget(liveUrl).scrub;
  const against = (url: string): PgToolRun => ({ bin: tools.pgBin, url, env: process.env, redact });
  try {
    await runPgTool(against(liveUrl), "pg_dump", (url) => [
      "--schema-only",
      "--format=custom",
      `--file=${file}`,
      `--dbname=${url}`,
    ]).then((r) => ensureOk(r, "pg_dump --schema-only of the live database"));
    await runPgTool(against(scratchUrl), "pg_restore", (url) => [
      "--no-owner",
      "--no-privileges",
      "--exit-on-error",
      `--dbname=${url}`,
      file,
    ]).then((r) => ensureOk(r, "pg_restore of the schema into the scratch database"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function ensureOk(r: { exitCode: number; stderr: string }, what: string): void {
  if (r.exitCode === 0) return;
  throw new BackoutError("PROVIDER_FAILED", `${what} failed (exit ${r.exitCode}): ${r.stderr.slice(-500)}`, {
    hint: "The drill needs pg_dump and pg_restore at least as new as the server (set --pg-bin to their directory).",
  });
}

function fullCopy(t: TableInfo): boolean {
  return HISTORY_TABLES.has(t.table) || HISTORY_SCHEMAS.has(t.schema);
}

async function copyTable(live: pg.Client, scratch: pg.Client, t: TableInfo, rows: number): Promise<void> {
  const cols = t.columns.map(quoteIdent).join(", ");
  const name = qualified(t.schema, t.table);
  const limit = fullCopy(t) ? "" : ` LIMIT ${Math.max(0, Math.floor(rows))}`;
  const got = await live.query<{ rows: unknown }>(
    `SELECT coalesce(json_agg(s), '[]'::json) AS rows FROM (SELECT ${cols} FROM ${name}${limit}) s`,
  );
  const data = JSON.stringify(got.rows[0]?.rows ?? []);
  // Keep only rows whose parents made it into the sample (MATCH SIMPLE: a NULL key needs none).
  const keep = t.foreignKeys.map((fk) => {
    const nulls = fk.columns.map((c) => `r.${quoteIdent(c)} IS NULL`).join(" OR ");
    const match = fk.columns
      .map((c, i) => `p.${quoteIdent(fk.refColumns[i] ?? c)} = r.${quoteIdent(c)}`)
      .join(" AND ");
    return `(${nulls} OR EXISTS (SELECT 1 FROM ${qualified(fk.refSchema, fk.refTable)} p WHERE ${match}))`;
  });
  const where = keep.length > 0 ? ` WHERE ${keep.join(" AND ")}` : "";
  await scratch.query(
    `INSERT INTO ${name} (${cols}) OVERRIDING SYSTEM VALUE
     SELECT ${t.columns.map((c) => `r.${quoteIdent(c)}`).join(", ")}
       FROM json_populate_recordset(NULL::${name}, $1::json) r${where}`,
    [data],
  );
}

/** Sequences continue where the live ones are, so an up that inserts does not collide. */
async function copySequences(live: pg.Client, scratch: pg.Client): Promise<void> {
  const seqs = await live.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
  );
  for (const s of seqs.rows) {
    const v = await live.query<{ last_value: string; is_called: boolean }>(
      `SELECT last_value::text AS last_value, is_called FROM ${qualified(s.schema, s.name)}`,
    );
    const row = v.rows[0];
    if (row === undefined) continue;
    await scratch.query("SELECT setval($1::regclass, $2::bigint, $3)", [
      qualified(s.schema, s.name),
      row.last_value,
      row.is_called,
    ]);
  }
}

export async function copySample(liveUrl: string, scratchUrl: string, rows: number): Promise<void> {
  const live = await connectUrl(liveUrl, DRILL_APP);
  const scratch = await connectUrl(scratchUrl, DRILL_APP);
  try {
    // One snapshot of the live database, so parents and children are sampled consistently.
    await live.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await scratch.query("BEGIN");
    for (const t of await tablesInKeyOrder(live)) await copyTable(live, scratch, t, rows);
    await copySequences(live, scratch);
    await scratch.query("COMMIT");
    await live.query("COMMIT");
  } finally {
    await live.end().catch(() => undefined);
    await scratch.end().catch(() => undefined);
  }
}
