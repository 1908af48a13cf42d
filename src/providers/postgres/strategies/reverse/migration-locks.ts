import { BackoutError, type ErrorLocation } from "../../../../core/errors.js";
import type { Queryable } from "../../connection/queryable.js";
import { durationMs, type PostgresSettings } from "../../settings.js";
import type { AdvisoryLock } from "../../layouts/tool-locks.js";

/** SET LOCAL lock_timeout / statement_timeout (as set_config, so the values are bind parameters). */
export async function setTimeouts(db: Queryable, settings: PostgresSettings, local: boolean): Promise<void> {
  await db.query("SELECT set_config('lock_timeout', $1, $3), set_config('statement_timeout', $2, $3)", [
    `${durationMs(settings.lockTimeout)}ms`,
    `${durationMs(settings.statementTimeout)}ms`,
    local,
  ]);
}

/**
 * Takes the migration locks (backout's and the migration tool's; transaction-scoped, or
 * session-scoped for a non-transactional down), in the order given. Waiting is bounded by
 * lock_timeout; running out means another runner is migrating this database: a retryable error
 * naming the session that holds the lock (pid, application_name, user, client address).
 */
export async function takeMigrationLocks(
  db: Queryable,
  locks: AdvisoryLock[],
  xact: boolean,
  where: ErrorLocation,
): Promise<void> {
  const fn = xact ? "pg_advisory_xact_lock" : "pg_advisory_lock";
  for (const lock of locks) {
    // A failed statement aborts the transaction: the savepoint keeps it usable to ask who holds the lock.
    if (xact) await db.query("SAVEPOINT backout_lock_wait");
    try {
      await db.query(`SELECT ${fn}($1::bigint)`, [lock.key]);
      if (xact) await db.query("RELEASE SAVEPOINT backout_lock_wait");
    } catch (e) {
      if ((e as { code?: unknown }).code !== "55P03") throw e;
      if (xact) await db.query("ROLLBACK TO SAVEPOINT backout_lock_wait");
      throw await busy(db, lock, where);
    }
  }
}

export async function releaseMigrationLocks(db: Queryable, locks: AdvisoryLock[]): Promise<void> {
  for (const lock of [...locks].reverse()) {
    await db.query("SELECT pg_advisory_unlock($1::bigint)", [lock.key]);
  }
}

interface Holder {
  pid: number;
  application_name: string;
  usename: string | null;
  client_addr: string | null;
  state: string | null;
}

/** Who holds advisory lock `key` on this database (pg_locks splits a bigint key in two oids). */
export async function advisoryLockHolders(db: Queryable, key: string): Promise<Holder[]> {
  const k = BigInt.asUintN(64, BigInt(key));
  const { rows } = await db.query<Holder>(
    `SELECT a.pid, a.application_name, a.usename, a.client_addr::text AS client_addr, a.state
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.pid <> pg_backend_pid()`,
    [(k >> 32n).toString(), (k & 0xffffffffn).toString()],
  );
  return rows;
}

async function busy(db: Queryable, lock: AdvisoryLock, where: ErrorLocation): Promise<BackoutError> {
  const holders = await advisoryLockHolders(db, lock.key).catch(() => []);
  const who = holders.length
    ? holders
        .map(
          (h) =>
            `pid ${h.pid} (application_name "${h.application_name}"${h.usename ? `, user ${h.usename}` : ""}${h.client_addr ? `, from ${h.client_addr}` : ""})`,
        )
        .join(", ")
    : "a session that has since let go";
  const whose = lock.owner === "backout" ? "backout's migration lock" : `${lock.owner}'s migration lock`;
  // A lock wait that gave up, like SQLSTATE 55P03 (errors.ts): the same code.
  return new BackoutError(
    "PG_LOCK_TIMEOUT",
    `lock_timeout: ${who} holds ${whose} (advisory lock ${lock.key}) on this database`,
    {
      where,
      retryable: true,
      details: { lock: lock.key, owner: lock.owner, holders },
      hint:
        lock.owner === "backout"
          ? "Another backout (or drill) is migrating this database; wait for it to finish, then resume."
          : `${lock.owner} is migrating this database right now (a deploy?). Let it finish, or stop it (pg_terminate_backend on that pid), then resume.`,
    },
  );
}
