/**
 * What the drill compares between stages: the schema fingerprint's canonical lines (as capture
 * takes them) and the number of rows of every user table. A difference is reported net of the
 * differences already present before the step, so one forgotten index is reported once, by the
 * migration that forgot it, not again by every older migration reverted after it.
 */
import type { Queryable } from "../connection/queryable.js";
import { schemaFingerprint } from "../capture/fingerprint.js";
import { qualified } from "../sql/quote.js";

export interface Snapshot {
  lines: string[];
  /** "schema.table" → rows. */
  rows: Map<string, number>;
}

export interface SnapshotScope {
  schema: string;
  archiveSchema: string;
  historyTable?: string;
}

async function rowCounts(db: Queryable, archiveSchema: string): Promise<Map<string, number>> {
  const tables = await db.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS "table"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname <> $1
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
    [archiveSchema],
  );
  const counts = new Map<string, number>();
  for (const t of tables.rows) {
    const r = await db.query<{ n: string }>(
      `SELECT count(*)::bigint AS n FROM ${qualified(t.schema, t.table)}`,
    );
    counts.set(`${t.schema}.${t.table}`, Number(r.rows[0]?.n ?? 0));
  }
  return counts;
}

export async function snapshot(db: Queryable, scope: SnapshotScope): Promise<Snapshot> {
  const fp = await schemaFingerprint(db, scope);
  return { lines: fp.lines, rows: await rowCounts(db, scope.archiveSchema) };
}

/** How `actual` differs from `expected`: lines only in one of them. */
export interface Drift {
  extra: string[];
  missing: string[];
  /** "public.users: 12 rows, expected 10". */
  rows: string[];
}

export function drift(expected: Snapshot, actual: Snapshot): Drift {
  const want = new Set(expected.lines);
  const have = new Set(actual.lines);
  const rows: string[] = [];
  for (const [table, n] of expected.rows) {
    const m = actual.rows.get(table);
    // A table that is gone (or new) is a schema difference already; rows compare tables in both.
    if (m !== undefined && m !== n) rows.push(`${table}: ${m} rows, expected ${n}`);
  }
  return {
    extra: actual.lines.filter((l) => !want.has(l)),
    missing: expected.lines.filter((l) => !have.has(l)),
    rows,
  };
}

/** The part of `now` that was not already there in `before` (drift carried from an earlier step). */
export function newDrift(now: Drift, before: Drift): Drift {
  const keep = (xs: string[], old: string[]) => xs.filter((x) => !old.includes(x));
  return {
    extra: keep(now.extra, before.extra),
    missing: keep(now.missing, before.missing),
    rows: keep(now.rows, before.rows),
  };
}

export const NO_DRIFT: Drift = { extra: [], missing: [], rows: [] };
