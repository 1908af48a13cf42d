import type pg from "pg";
import type { ErrorLocation } from "../../../core/errors.js";
import type { ProviderContext } from "../../../core/provider.js";
import { openPgClient, timeoutsOf } from "./client.js";
import { connectFailure, pgFailure } from "../errors.js";
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
      throw pgFailure(e, redact, where);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
