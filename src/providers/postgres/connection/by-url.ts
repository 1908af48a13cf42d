/**
 * One connection by URL, for what runs outside withPostgres (the drill's live, scratch and
 * maintenance databases, the archive commands, the restore's drainer and maintenance work),
 * and the URL of another database of the same server. Each carries lock_timeout and
 * statement_timeout (client-config.ts).
 */
import type pg from "pg";
import { DEFAULT_TIMEOUTS, openPgClient, type PgTimeouts } from "./client.js";
import { connectFailure } from "./session.js";
import { pgTarget } from "./url.js";

export { DEFAULT_TIMEOUTS, MAINTENANCE_TIMEOUTS, type PgTimeouts } from "./client.js";

/** application_name of the drill's sessions (so a DBA can tell them from the application's). */
export const DRILL_APP = "backout drill";

/** The same URL pointing at another database of the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export async function connectUrl(
  url: string,
  applicationName = "backout",
  timeouts: PgTimeouts = DEFAULT_TIMEOUTS,
): Promise<pg.Client> {
  try {
    return await openPgClient(url, { applicationName, timeouts });
  } catch (e) {
    // A refused or timed-out connect is the operator's to fix: say where and what, not ECONNREFUSED.
    const target = pgTarget(url);
    throw connectFailure(e, target, (t) => target.scrub(t), {});
  }
}
