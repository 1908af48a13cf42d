/**
 * The advisory locks each migration tool takes while it migrates, so a rollback step holds them
 * too and never interleaves with a concurrent `up`/`deploy`/`migrate` of the tool itself. Keys
 * are computed exactly as each tool computes them:
 *
 * - node-pg-migrate 8/9 (runner.ts): `pg_try_advisory_lock(7241865325823964)`, a constant;
 * - Sqitch 1.3 (App/Sqitch/Engine/pg.pm wait_lock/try_lock): `pg_advisory_lock(75474063)`;
 * - golang-migrate (database/util.go GenerateAdvisoryLockId, postgres driver Lock):
 *   crc32-IEEE("<schema>\0<table>\0<database>") × 1486364155, in uint32 arithmetic, where the
 *   CLI's <database> is the URL path with its slash;
 * - Flyway (PostgreSQLAdvisoryLockTemplate): 0x466C79776179 ("Flyway") + the Java hashCode of
 *   the quoted history table name `"schema"."table"`;
 * - dbmate takes no lock of its own.
 */
import { createHash } from "node:crypto";
import type { Queryable } from "../connection/queryable.js";
import type { MigrationFormat } from "./layout.js";

export interface AdvisoryLock {
  /** The bigint key, as decimal text (a bind value). */
  key: string;
  /** Whose lock it is, for messages: "backout", "node-pg-migrate"... */
  owner: string;
}

export const NODE_PG_MIGRATE_LOCK = "7241865325823964";
export const SQITCH_LOCK = "75474063";
const GOLANG_MIGRATE_SALT = 1486364155;
const FLYWAY_MAGIC =
  (0x46n << 40n) + (0x6cn << 32n) + (0x79n << 24n) + (0x77n << 16n) + (0x61n << 8n) + 0x79n;

/** backout's own lock: the same for every runner on the same database, whatever PG version. */
export function backoutLock(database: string): AdvisoryLock {
  const key = createHash("sha256").update(`${database}\u0000backout`).digest().readBigInt64BE(0).toString();
  return { key, owner: "backout" };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE 802.3), Go's crc32.ChecksumIEEE. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function golangMigrateLockKey(database: string, schema: string, table: string): string {
  const sum = crc32(Buffer.from([schema, table, database].join("\u0000"), "utf8"));
  return BigInt(Math.imul(sum, GOLANG_MIGRATE_SALT) >>> 0).toString();
}

/** Java's String.hashCode: over UTF-16 code units, in int arithmetic. */
function javaHash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

export function flywayLockKey(schema: string, table: string): string {
  const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;
  return (FLYWAY_MAGIC + BigInt(javaHash(`${quote(schema)}.${quote(table)}`))).toString();
}

/** `schema.table` or `table` → [schema | undefined, table]. */
function split(name: string | undefined): [string | undefined, string | undefined] {
  if (name === undefined) return [undefined, undefined];
  const dot = name.indexOf(".");
  return dot < 0 ? [undefined, name] : [name.slice(0, dot), name.slice(dot + 1)];
}

/**
 * The locks a migrate-down step of `format` takes: backout's own, then the tool's (when it has
 * one). golang-migrate's key depends on the schema its table lives in: the configured one, else
 * current_schema() as the tool itself asks.
 */
export async function migrationLocks(
  db: Queryable,
  format: MigrationFormat,
  database: string,
  historyTable: string | undefined,
): Promise<AdvisoryLock[]> {
  const locks = [backoutLock(database)];
  const [schema, table] = split(historyTable);
  switch (format) {
    case "node-pg-migrate":
      locks.push({ key: NODE_PG_MIGRATE_LOCK, owner: "node-pg-migrate" });
      break;
    case "sqitch":
      locks.push({ key: SQITCH_LOCK, owner: "sqitch" });
      break;
    case "golang-migrate": {
      const current = schema ?? (await currentSchema(db));
      // The CLI names the database by its URL path ("/app": Open passes purl.Path), a program
      // using WithInstance by current_database() ("app"): two keys, both held.
      for (const name of [`/${database}`, database]) {
        locks.push({
          key: golangMigrateLockKey(name, current, table ?? "schema_migrations"),
          owner: "golang-migrate",
        });
      }
      break;
    }
    case "flyway":
      locks.push({
        key: flywayLockKey(schema ?? "public", table ?? "flyway_schema_history"),
        owner: "flyway",
      });
      break;
    case "dbmate":
      break;
  }
  return locks;
}

async function currentSchema(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ s: string | null }>("SELECT current_schema() AS s");
  return rows[0]?.s ?? "public";
}
