import { createHash } from "node:crypto";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { Queryable } from "./db.js";
import { durationMs, type PostgresSettings } from "./settings.js";

/** A stable advisory-lock key: the same for every runner on the same database, whatever PG version. */
function advisoryKey(database: string): string {
  return createHash("sha256").update(`${database}\u0000backout`).digest().readBigInt64BE(0).toString();
}

/** SET LOCAL lock_timeout / statement_timeout (as set_config, so the values are bind parameters). */
export async function setTimeouts(db: Queryable, settings: PostgresSettings, local: boolean): Promise<void> {
  await db.query("SELECT set_config('lock_timeout', $1, $3), set_config('statement_timeout', $2, $3)", [
    `${durationMs(settings.lockTimeout)}ms`,
    `${durationMs(settings.statementTimeout)}ms`,
    local,
  ]);
}

/**
 * Takes the migration lock (transaction-scoped, or session-scoped for a non-transactional down).
 * Waiting is bounded by lock_timeout; running out means another runner is migrating this database.
 */
export async function takeMigrationLock(
  db: Queryable,
  database: string,
  xact: boolean,
  where: ErrorLocation,
): Promise<void> {
  const fn = xact ? "pg_advisory_xact_lock" : "pg_advisory_lock";
  try {
    await db.query(`SELECT ${fn}($1::bigint)`, [advisoryKey(database)]);
  } catch (e) {
    if ((e as { code?: unknown }).code !== "55P03") throw e;
    throw new BackoutError(
      "PROVIDER_FAILED",
      `lock_timeout: another session holds backout's migration lock on database ${database}`,
      {
        where,
        retryable: true,
        hint: "Another backout (or drill) is migrating this database; wait for it to finish, then resume.",
      },
    );
  }
}

export async function releaseMigrationLock(db: Queryable, database: string): Promise<void> {
  await db.query("SELECT pg_advisory_unlock($1::bigint)", [advisoryKey(database)]);
}
