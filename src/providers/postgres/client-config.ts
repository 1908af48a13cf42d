/**
 * The options of every connection backout opens: lock_timeout and statement_timeout from its
 * first query on (startup parameters, not SETs a code path could forget), so a catalog read
 * behind an ACCESS EXCLUSIVE lock waits lockTimeout, never forever.
 */
import type pg from "pg";
import { durationMs } from "./settings.js";

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

const CONNECT_TIMEOUT_MS = 10_000;

/** pg.Client options: the URL, who we are (a DBA sees it in pg_stat_activity), the timeouts. */
export function clientConfig(url: string, applicationName: string, timeouts: PgTimeouts): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Startup parameters: in force before the first query. pg skips 0, which is PostgreSQL's
    // default (no limit) anyway.
    lock_timeout: timeouts.lockTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
  };
}
