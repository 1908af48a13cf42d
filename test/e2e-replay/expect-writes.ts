/**
 * Checks a load generator's log against the database after a rollback: every committed write
 * must be in the live tables (the row's final state is what its last write made it) or, for the
 * values of a column the checkpoint's schema does not have, in the replay archive.
 */
import type pg from "pg";
import type { LoggedWrite, Table } from "./load.js";

export interface WriteCheck {
  /** Logged writes whose effect is in neither the live tables nor the archive. */
  lost: LoggedWrite[];
  /** Live ids that should not be there (deleted, or never written). */
  unexpected: string[];
  /**
   * Archived values of rows no user wrote after the deploy started: only the migration's own
   * backfill could have put them there (it must not be replayed). A user write after the
   * backfill legitimately carries the backfilled value along (wal2json sends whole rows).
   */
  foreignArchived: string[];
  checked: number;
}

interface Expected {
  deleted: boolean;
  values: Record<string, string | number>;
  writes: LoggedWrite[];
}

export async function checkWrites(
  client: pg.Client,
  log: readonly LoggedWrite[],
  seeded: Record<Table, number>,
  archiveSchema: string,
  deployedAt: number,
  droppedColumns: readonly string[] = ["nickname"],
): Promise<WriteCheck> {
  const lost: LoggedWrite[] = [];
  const unexpected: string[] = [];
  const ordered = [...log].sort((a, b) => a.writer - b.writer || a.n - b.n);
  const archived = await archivedValues(client, archiveSchema);
  for (const table of ["users", "orders"] as const) {
    const expected = new Map<number, Expected>();
    for (let id = 1; id <= seeded[table]; id++) expected.set(id, { deleted: false, values: {}, writes: [] });
    for (const w of ordered.filter((x) => x.table === table)) {
      const e = expected.get(w.id) ?? { deleted: false, values: {}, writes: [] };
      e.deleted = w.op === "delete";
      if (w.op !== "delete") Object.assign(e.values, w.values);
      e.writes.push(w);
      expected.set(w.id, e);
    }
    const live = new Map(
      (await client.query<Record<string, unknown>>(`SELECT * FROM ${table}`)).rows.map((r) => [
        Number(r.id),
        r,
      ]),
    );
    for (const [id, e] of expected) {
      const row = live.get(id);
      if (e.deleted) {
        if (row !== undefined) unexpected.push(`${table} ${id} (deleted by the load, still there)`);
        continue;
      }
      const kept = Object.entries(e.values).filter(([c]) => !droppedColumns.includes(c));
      const rowOk = row !== undefined && kept.every(([c, v]) => String(row[c]) === String(v));
      if (!rowOk) lost.push(...e.writes.filter((w) => w.op !== "delete").slice(-1));
    }
    for (const id of live.keys()) if (!expected.has(id)) unexpected.push(`${table} ${id} (never written)`);
    // Values of a column the checkpoint does not have: every such write must be archived.
    for (const w of ordered.filter((x) => x.table === table)) {
      for (const c of droppedColumns) {
        const v = w.values[c];
        if (v !== undefined && !archived.has(`${table}|${w.id}|${c}|${String(v)}`)) lost.push(w);
      }
    }
  }
  const writtenAfter = new Set(
    log.filter((w) => w.committedAt >= deployedAt).map((w) => `${w.table}|${w.id}`),
  );
  const foreignArchived = [...archived].filter((k) => {
    const [table = "", id = "", column = ""] = k.split("|");
    return droppedColumns.includes(column) && !writtenAfter.has(`${table}|${id}`);
  });
  return { lost: [...new Set(lost)], unexpected, foreignArchived, checked: log.length };
}

/** "table|id|column|value" for every value the replay archived (replay_unmapped). */
async function archivedValues(client: pg.Client, schema: string): Promise<Set<string>> {
  const exists = await client.query("SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2", [
    schema,
    "replay_unmapped",
  ]);
  const out = new Set<string>();
  if (exists.rowCount === 0) return out;
  const rows = await client.query<{ table: string; keys: Record<string, unknown>; values: unknown }>(
    `SELECT "table", keys, "values" FROM "${schema}".replay_unmapped`,
  );
  for (const r of rows.rows) {
    const table = r.table.split(".").at(-1) ?? r.table;
    const values = (r.values ?? {}) as Record<string, unknown>;
    for (const [c, v] of Object.entries(values)) {
      if (v === null || v === undefined) continue;
      out.add(`${table}|${text(r.keys.id)}|${c}|${text(v)}`);
    }
  }
  return out;
}

const text = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));
