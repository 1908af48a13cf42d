/**
 * Shared pieces of the replay tests: captured changes written by hand (as wal2json would decode
 * them, against the post-deploy schema) into a real capture store, and whole-table reads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { openCaptureStore } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/capture-store.js";
import type {
  CaptureStore,
  CapturedChange,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/types.js";

export type NewChange = Omit<CapturedChange, "seq">;
type Body = Pick<CapturedChange, "table" | "op" | "keys" | "values"> & { schema?: string };

export const ins = (table: string, values: Record<string, unknown>, pk = ["id"]): Body => ({
  table,
  op: "insert",
  keys: Object.fromEntries(pk.map((c) => [c, values[c]])),
  values,
});
export const upd = (table: string, keys: Record<string, unknown>, values: Record<string, unknown>): Body => ({
  table,
  op: "update",
  keys,
  values,
});
export const del = (table: string, keys: Record<string, unknown>): Body => ({
  table,
  op: "delete",
  keys,
  values: {},
});

/** Transactions in commit order, with increasing LSNs, xids and commit times. */
export class ChangeLog {
  readonly changes: NewChange[] = [];
  private n = 0;
  constructor(private readonly start = Date.parse("2024-05-01T12:00:00Z")) {}

  tx(bodies: Body[], opts: { migration?: boolean; at?: string } = {}): this {
    this.n += 1;
    const commitLsn = `0/${(this.n * 0x1000 + 0xfff).toString(16).toUpperCase()}`;
    const commitTime = opts.at ?? new Date(this.start + this.n * 1000).toISOString();
    bodies.forEach((b, i) => {
      this.changes.push({
        xid: 1000 + this.n,
        lsn: `0/${(this.n * 0x1000 + i).toString(16).toUpperCase()}`,
        commitLsn,
        commitTime,
        schema: b.schema ?? "public",
        table: b.table,
        op: b.op,
        keys: b.keys,
        values: b.values,
        types: {},
        migration: opts.migration ?? false,
      });
    });
    return this;
  }
}

export interface TempStore {
  store: CaptureStore;
  dispose: () => void;
}

/** R1's SQLite capture store in a temporary directory, holding `changes`. */
export function storeOf(changes: NewChange[]): TempStore {
  const dir = mkdtempSync(join(tmpdir(), "backout-replay-"));
  const store = openCaptureStore(join(dir, "capture.db"));
  store.append(changes);
  return {
    store,
    dispose: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every row of a table as canonical JSON text, sorted: compare whole tables with toEqual. */
export async function tableRows(db: pg.Client, table: string): Promise<string[]> {
  const { rows } = await db.query<{ r: string }>(`SELECT to_jsonb(t)::text AS r FROM ${table} t ORDER BY 1`);
  return rows.map((r) => r.r);
}

/** The archive rows of a rollback, without their timestamps. */
export async function archiveRows(
  db: pg.Client,
  rollbackId: string,
): Promise<
  {
    seq: number;
    table: string;
    op: string;
    keys: unknown;
    values: unknown;
    reason: string;
    partial: boolean;
  }[]
> {
  const { rows } = await db.query<{
    seq: string;
    table: string;
    op: string;
    keys: unknown;
    values: unknown;
    reason: string;
    partial: boolean;
  }>(
    `SELECT seq, "table", op, keys, "values", reason, partial FROM backout_archive.replay_unmapped
      WHERE rollback_id = $1 ORDER BY seq`,
    [rollbackId],
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}
