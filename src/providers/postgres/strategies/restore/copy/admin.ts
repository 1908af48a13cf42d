/**
 * A connection to the server's maintenance database: a database cannot be renamed or dropped
 * from a session connected to it, so restore and prune work from `postgres` (or `template1`).
 */
import type pg from "pg";
import { type Clock, systemClock } from "../../../../../core/clock.js";
import { BackoutError, type ErrorLocation } from "../../../../../core/errors.js";
import { withDatabase } from "../../../connection/client.js";
import { MAINTENANCE_TIMEOUTS, openPgClient } from "../../../connection/client.js";
import { classifyPgError } from "../../../errors.js";
import { pgTarget } from "../../../connection/url.js";

export interface Admin {
  client: pg.Client;
  /** Database named in the url: the live database. */
  live: string;
  redact: (text: string) => string;
  where: ErrorLocation;
}

export async function connectAdmin(
  url: string,
  redact: (t: string) => string,
  where: ErrorLocation = {},
): Promise<Admin> {
  const target = pgTarget(url);
  const scrub = (t: string): string => redact(target.scrub(t));
  let last: unknown;
  for (const maintenance of ["postgres", "template1"]) {
    try {
      // Lock waits bounded, run time not (CREATE DATABASE ... TEMPLATE grows with the database).
      const client = await openPgClient(withDatabase(url, maintenance), { timeouts: MAINTENANCE_TIMEOUTS });
      return { client, live: target.database, redact: scrub, where };
    } catch (e) {
      last = e;
    }
  }
  // Classified like every other connect failure; only the wording is the maintenance database's.
  throw new BackoutError(
    classifyPgError(last).code,
    scrub(
      `cannot connect to the maintenance database (postgres or template1) at ${target.hostPort}: ${
        last instanceof Error ? last.message : String(last)
      }`,
    ),
    {
      where,
      retryable: classifyPgError(last).kind === "transient",
      hint: "Restore renames databases, which needs a superuser (or the owner with CREATEDB) connected to another database of the same server; check the url and that the server is up, then resume.",
    },
  );
}

export interface DatabaseRow {
  datname: string;
  allowConn: boolean;
  comment: string | null;
}

/** The databases among `names` that exist, by name. */
export async function databases(admin: Admin, names: string[]): Promise<Map<string, DatabaseRow>> {
  const { rows } = await admin.client.query<DatabaseRow>(
    `SELECT d.datname, d.datallowconn AS "allowConn", shobj_description(d.oid, 'pg_database') AS comment
       FROM pg_database d WHERE d.datname = ANY($1::text[])`,
    [names],
  );
  return new Map(rows.map((r) => [r.datname, r]));
}

/**
 * Disconnects every other session of `names` (but the `keep` pids) and waits (up to 5 s) until they are gone.
 * Returns how many there were.
 */
export async function terminateSessions(
  admin: Admin,
  names: string[],
  keep: number[] = [],
  clock: Clock = systemClock,
): Promise<number> {
  const others = `FROM pg_stat_activity WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid() AND pid <> ALL($2::int[])`;
  const { rows } = await admin.client.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n ${others}`,
    [names, keep],
  );
  const until = clock.now() + 5000;
  for (;;) {
    const left = await admin.client.query<{ n: number }>(`SELECT count(*)::int AS n ${others}`, [
      names,
      keep,
    ]);
    if (Number(left.rows[0]?.n) === 0 || clock.now() > until) break;
    await clock.sleep(10);
  }
  return Number(rows[0]?.n ?? 0);
}
