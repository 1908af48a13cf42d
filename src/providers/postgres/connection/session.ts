import type pg from "pg";
import { BackoutError, type ErrorLocation } from "../../../core/errors.js";
import type { ProviderContext } from "../../../core/provider.js";
import { openPgClient, timeoutsOf } from "./client.js";
import { failureOf } from "../errors.js";
import type { PostgresSettings } from "../settings.js";
import { pgTarget, type PgTarget } from "./url.js";

export interface PgSession {
  client: pg.Client;
  target: PgTarget;
  /** ctx.redact after removing the URL's password. */
  redact: (text: string) => string;
  where: ErrorLocation;
}

/**
 * Connects (application_name=backout, so a DBA sees who holds a lock; lock_timeout and
 * statement_timeout from the settings for every query), runs `fn`, always
 * disconnects. Every failure becomes a BackoutError with the password removed, located at
 * `where` unless it already says where it happened (a layout's errors do not know the component).
 */
export async function withPostgres<T>(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  where: ErrorLocation,
  fn: (session: PgSession) => Promise<T>,
): Promise<T> {
  const target = pgTarget(settings.url);
  const redact = (text: string): string => ctx.redact(target.scrub(text));
  // lockTimeout and statementTimeout hold for every query of the session, planning's catalog
  // and history reads included (a down's transaction sets them again, locally).
  let client: pg.Client;
  try {
    client = await openPgClient(settings.url, { timeouts: timeoutsOf(settings) });
  } catch (e) {
    throw connectFailure(e, target, redact, where);
  }
  try {
    try {
      return await fn({ client, target, redact, where });
    } catch (e) {
      if (!(e instanceof BackoutError)) throw failureOf(e, redact, where);
      throw e.where === undefined ? located(e, where) : e;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

function located(e: BackoutError, where: ErrorLocation): BackoutError {
  return new BackoutError(e.code, e.message, {
    where,
    retryable: e.retryable,
    ...(e.hint === undefined ? {} : { hint: e.hint }),
    ...(e.details === undefined ? {} : { details: e.details }),
    cause: e,
  });
}

// Authentication and missing-database errors do not fix themselves; network ones may.
const PERMANENT = new Set(["28P01", "28000", "3D000"]);

/** A failed connect as a BackoutError naming the server (never the password) and what to check. */
export function connectFailure(
  e: unknown,
  target: PgTarget,
  redact: (t: string) => string,
  where: ErrorLocation,
): BackoutError {
  const reason = redact(e instanceof Error ? e.message : String(e));
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && PERMANENT.has(code)) {
    return new BackoutError(
      "PROVIDER_FAILED",
      `PostgreSQL at ${target.hostPort} refused the connection to ${target.safeUrl}: ${reason}`,
      {
        where,
        retryable: false,
        hint: "Check the user, password and database name in the component's url (or the ${ENV} variable it comes from).",
      },
    );
  }
  return new BackoutError(
    "PROVIDER_FAILED",
    `cannot connect to PostgreSQL at ${target.hostPort} (${target.safeUrl}): ${reason}`,
    {
      where,
      retryable: true,
      hint: `Check that PostgreSQL is running and reachable from this host at ${target.hostPort} (firewall, listen_addresses, pg_hba.conf), then run the command again (or resume the rollback).`,
    },
  );
}
