/**
 * Measures on the live database what each destructive (or opaque but targeted) statement would
 * lose: rows, and non-null values for column targets. Read-only; run it outside the migration's
 * transaction (a failing count would abort one).
 */
import type { Queryable } from "../db.js";
import { columnsOf, tableExists, tablesOf } from "./catalog.js";
import { qualified, quoteIdent } from "./quote.js";
import type { ClassifiedStatement, DataAtRisk, DataTarget } from "./types.js";

export interface MeasuredRisk extends DataAtRisk {
  /** Why the figure is 0 or approximate: "table already gone", "could not measure: ...". */
  note?: string;
}

/**
 * ` WHERE (<condition>)`. The condition is SQL text cut from the user's own migration file by the
 * parser (and re-parsed to the same tree): it is an expression, not a value, so it cannot be a
 * bind parameter; it runs with the same rights the down script itself will run with.
 */
export function whereSql(target: DataTarget): string {
  return target.where === undefined ? "" : ` WHERE (${target.where})`;
}

async function count(
  db: Queryable,
  target: DataTarget,
  table: string,
  column?: string,
): Promise<[number, number]> {
  const values = column === undefined ? "0" : `count(${quoteIdent(column)})`;
  const { rows } = await db.query<{ rows: string; values: string }>(
    `SELECT count(*) AS rows, ${values} AS values FROM ${qualified(target.schema, table)}${whereSql(target)}`,
  );
  const row = rows[0];
  return [Number(row?.rows ?? 0), Number(row?.values ?? 0)];
}

async function measureTarget(db: Queryable, target: DataTarget): Promise<MeasuredRisk> {
  if (target.operation === "drop-schema") {
    const tables = await tablesOf(db, target.schema);
    let rows = 0;
    for (const t of tables) rows += (await count(db, target, t))[0];
    const note = tables.length ? `tables: ${tables.join(", ")}` : "schema empty or already gone";
    return { target, rows, note };
  }
  if (!(await tableExists(db, target.schema, target.table))) {
    return { target, rows: 0, ...(target.column ? { values: 0 } : {}), note: "table already gone" };
  }
  if (target.column !== undefined) {
    const columns = await columnsOf(db, target.schema, target.table);
    if (!columns.some((c) => c.name === target.column))
      return { target, rows: 0, values: 0, note: "column already gone" };
  }
  try {
    const [rows, values] = await count(db, target, target.table, target.column);
    return { target, rows, ...(target.column !== undefined ? { values } : {}) };
  } catch (e) {
    // E.g. a WHERE naming a column an earlier down script (not yet run) brings back.
    return { target, rows: 0, note: `could not measure now: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export async function measureAtRisk(
  db: Queryable,
  statements: ClassifiedStatement[],
): Promise<MeasuredRisk[]> {
  const out: MeasuredRisk[] = [];
  for (const s of statements) {
    if (s.class === "safe") continue;
    for (const target of s.targets) out.push(await measureTarget(db, target));
  }
  return out;
}
