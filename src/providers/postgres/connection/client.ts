/**
 * The options of every connection backout opens: lock_timeout and statement_timeout from its
 * first query on (startup parameters, not SETs a code path could forget), so a catalog read
 * behind an ACCESS EXCLUSIVE lock waits lockTimeout, never forever. The one connection helper:
 * openPgClient for callers that word their own failure (withPostgres in session.ts), connectUrl
 * for the rest (the drill's databases, the archive commands, the restore's drainer and
 * maintenance work), whose failed connect says where and what to check.
 */
import type pg from "pg";
import { connectFailure } from "../errors.js";
import { durationMs } from "../settings.js";
import { pgTarget } from "./url.js";

export interface PgTimeouts {
  lockTimeoutMs: number;
  /** 0: no limit (PostgreSQL's own meaning). */
  statementTimeoutMs: number;
}

/** The component settings' defaults (lockTimeout 5s, statementTimeout 5m). */
export const DEFAULT_TIMEOUTS: PgTimeouts = { lockTimeoutMs: 5_000, statementTimeoutMs: 300_000 };

/**
 * For maintenance statements whose run time grows with the database (CREATE DATABASE ...
 * TEMPLATE copies it whole): their lock waits stay bounded, their run time is not.
 */
export const MAINTENANCE_TIMEOUTS: PgTimeouts = { lockTimeoutMs: 5_000, statementTimeoutMs: 0 };

export function timeoutsOf(settings: {
  lockTimeout: number | string;
  statementTimeout: number | string;
}): PgTimeouts {
  return {
    lockTimeoutMs: durationMs(settings.lockTimeout),
    statementTimeoutMs: durationMs(settings.statementTimeout),
  };
}

export const CONNECT_TIMEOUT_MS = 10_000;

/** pg.Client options: the URL, who we are (a DBA sees it in pg_stat_activity), the timeouts. */
export function clientConfig(
  url: string,
  applicationName: string,
  timeouts: PgTimeouts,
  connectTimeoutMs = CONNECT_TIMEOUT_MS,
): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: connectTimeoutMs,
    // Startup parameters: in force before the first query. pg skips 0, which is PostgreSQL's
    // default (no limit) anyway.
    lock_timeout: timeouts.lockTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
  };
}

export interface OpenOptions {
  /** application_name (default "backout"). */
  applicationName?: string;
  /** Default: the component settings' defaults (DEFAULT_TIMEOUTS). */
  timeouts?: PgTimeouts;
  /** Default CONNECT_TIMEOUT_MS: a server that accepts and never answers is given up on. */
  connectTimeoutMs?: number;
  /** A walsender connection (CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT). */
  replication?: "database";
  /** Gives up the connect when it aborts (a caller's own time budget, on its Clock). */
  signal?: AbortSignal;
}

/**
 * Every connection backout opens goes through here (a test checks no other `new Client` exists),
 * so none can lack the connect timeout, lock_timeout or statement_timeout. Connected, with an
 * 'error' listener (an idle connection that drops must not crash the process: the next query
 * reports it); a failed connect is ended and its error rethrown as is, for the caller to word.
 */
export async function openPgClient(url: string, options: OpenOptions = {}): Promise<pg.Client> {
  // Loaded on first use: the driver is heavy, and most commands never connect.
  const { default: pgLib } = await import("pg");
  const config: pg.ClientConfig & { replication?: string } = {
    ...clientConfig(
      url,
      options.applicationName ?? "backout",
      options.timeouts ?? DEFAULT_TIMEOUTS,
      options.connectTimeoutMs,
    ),
    ...(options.replication === undefined ? {} : { replication: options.replication }),
  };
  options.signal?.throwIfAborted();
  const client = new pgLib.Client(config);
  client.on("error", () => undefined);
  // As pg's own connect timeout does: destroying the socket with an error rejects connect()
  // (client.end() while connecting would leave connect() pending forever).
  const giveUp = () => client.connection.stream.destroy(abortError(options.signal));
  options.signal?.addEventListener("abort", giveUp, { once: true });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  } finally {
    options.signal?.removeEventListener("abort", giveUp);
  }
  return client;
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error("connect given up");
}

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
