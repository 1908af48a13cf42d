/**
 * The drill proper, on the scratch database: every pending migration up (oldest first), then
 * down (newest first), then up again, each in its own transaction with the tool's history update,
 * as the tool and backout's apply do it. After each down the schema and row counts must equal
 * those before the migration's up; after each up again, those after its first up.
 */
import type pg from "pg";
import type { Migration, MigrationLayout } from "../layouts/layout.js";
import { isBlankSql } from "../layouts/options.js";
import { classifyScript } from "../classify/classify.js";
import {
  drift,
  newDrift,
  NO_DRIFT,
  snapshot,
  type Drift,
  type Snapshot,
  type SnapshotScope,
} from "./stage-state.js";
import type { DrillFinding, MigrationDrill } from "./types.js";

export interface RoundTripInput {
  db: pg.Client;
  layout: MigrationLayout;
  /** Not yet applied, oldest first. */
  pending: Migration[];
  scope: SnapshotScope;
  statementTimeoutMs: number;
  /** Called on the scratch database right before a migration's down runs (to judge its statements there). */
  beforeDown?: (m: Migration) => Promise<void>;
}

/** The statements of a script, cut by the real parser. */
async function splitScript(sql: string): Promise<string[]> {
  return (await classifyScript(sql, "drill")).map((s) => s.sql);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function inTransaction(
  input: RoundTripInput,
  sql: string,
  history: () => Promise<void>,
  transaction = true,
): Promise<void> {
  const { db } = input;
  if (!transaction) {
    // As the tool runs it (pgm.noTransaction, dbmate transaction:false): statement by statement
    // (CREATE INDEX CONCURRENTLY refuses a multi-statement query), then the history alone.
    await db.query(`SET statement_timeout = ${Math.max(0, Math.floor(input.statementTimeoutMs))}`);
    for (const st of await splitScript(sql)) await db.query(st);
    await db.query("BEGIN");
    await history();
    await db.query("COMMIT");
    return;
  }
  await db.query("BEGIN");
  try {
    await db.query(`SET LOCAL statement_timeout = ${Math.max(0, Math.floor(input.statementTimeoutMs))}`);
    await db.query(sql);
    await history();
    await db.query("COMMIT");
  } catch (e) {
    await db.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}

function describeDrift(d: Drift, when: string): DrillFinding[] {
  const found: DrillFinding[] = [];
  if (d.extra.length > 0 || d.missing.length > 0) {
    const parts = [
      ...(d.extra.length > 0 ? [`left behind: ${d.extra.slice(0, 3).join("; ")}`] : []),
      ...(d.missing.length > 0 ? [`missing: ${d.missing.slice(0, 3).join("; ")}`] : []),
    ];
    const more = d.extra.length + d.missing.length > 6 ? " …" : "";
    found.push({
      kind: when === "down" ? "schema-differs" : "reapply-differs",
      message: `${when === "down" ? "after the down the schema differs from before the up" : "applied again, the schema differs from the first up"} (${parts.join("; ")}${more})`,
      details: [...d.extra.map((l) => `+ ${l}`), ...d.missing.map((l) => `- ${l}`)],
    });
  }
  if (d.rows.length > 0 && when === "down") {
    found.push({
      kind: "rows-differ",
      message: `after the down the row counts differ from before the up (${d.rows.join("; ")})`,
      details: d.rows,
    });
  }
  return found;
}

export function hasDown(m: Migration): boolean {
  return m.downSql !== undefined && !isBlankSql(m.downSql);
}

export async function roundTrip(input: RoundTripInput, drills: Map<string, MigrationDrill>): Promise<void> {
  const { db, layout, scope } = input;
  const find = (m: Migration) => drills.get(m.version);
  // before[i]: state before pending[i]'s up; after[i]: after it.
  const before: Snapshot[] = [];
  const after: Snapshot[] = [];
  const up: Migration[] = [];
  for (const m of input.pending) {
    before.push(after.at(-1) ?? (await snapshot(db, scope)));
    if (m.upProblem !== undefined) {
      find(m)?.findings.push({
        kind: "up-fails",
        message: `node-pg-migrate's dry run of its up fails: ${m.upProblem}`,
      });
      break;
    }
    try {
      await inTransaction(input, m.upSql ?? "", () => layout.recordApplied(db, m), m.upTransaction);
    } catch (e) {
      find(m)?.findings.push({ kind: "up-fails", message: `the up fails: ${messageOf(e)}` });
      break;
    }
    const d = find(m);
    if (d) d.up = true;
    up.push(m);
    after.push(await snapshot(db, scope));
  }

  const reverted: number[] = [];
  let carried: Drift = NO_DRIFT;
  for (let i = up.length - 1; i >= 0; i--) {
    const m = up[i] as Migration;
    const d = find(m);
    // A migration without a down stops the way back: older ones cannot be reached either.
    if (!hasDown(m)) break;
    await input.beforeDown?.(m);
    try {
      await inTransaction(input, m.downSql ?? "", () => layout.recordReverted(db, m), m.downTransaction);
    } catch (e) {
      d?.findings.push({ kind: "down-fails", message: `the down fails: ${messageOf(e)}` });
      break;
    }
    if (d) d.down = true;
    const now = await snapshot(db, scope);
    const total = drift(before[i] as Snapshot, now);
    d?.findings.push(...describeDrift(newDrift(total, carried), "down"));
    carried = total;
    reverted.push(i);
  }

  carried = NO_DRIFT;
  for (const i of reverted.reverse()) {
    const m = up[i] as Migration;
    const d = find(m);
    try {
      await inTransaction(input, m.upSql ?? "", () => layout.recordApplied(db, m), m.upTransaction);
    } catch (e) {
      d?.findings.push({
        kind: "reapply-fails",
        message: `applying it again after its down fails: ${messageOf(e)}`,
      });
      break;
    }
    if (d) d.reapplied = true;
    const total = drift(after[i] as Snapshot, await snapshot(db, scope));
    d?.findings.push(...describeDrift(newDrift(total, carried), "reapply"));
    carried = total;
  }
}
