/**
 * Measures on the live database what each destructive (or opaque but targeted) statement would
 * lose: rows, and non-null values for column targets (values equal to a constant default are
 * PostgreSQL's filling, not user data, and are not counted). Read-only; run it outside the migration's
 * transaction (a failing count would abort one).
 */
import type { Queryable } from "../connection/queryable.js";
import { columnsOf, tableExists, tablesOf } from "../sql/catalog.js";
import { qualified, quoteIdent } from "../sql/quote.js";
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

/**
 * The column's default when it is a constant ('{}'::jsonb, 0, false, ''::text): values equal to
 * it were filled in by PostgreSQL, not written by anyone, and are not counted as lost. A default
 * with a call in it (now(), nextval(...)) is not a constant: every value counts. The text comes
 * from the catalog (pg_get_expr), so it is PostgreSQL's own SQL for the expression.
 */
async function constantDefault(db: Queryable, schema: string, table: string, column: string) {
  const { rows } = await db.query<{ def: string | null }>(
    `SELECT pg_get_expr(d.adbin, d.adrelid) AS def
       FROM pg_attrdef d
       JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3`,
    [schema, table, column],
  );
  const def = rows[0]?.def ?? undefined;
  return def === undefined || def.includes("(") ? undefined : def;
}

async function count(
  db: Queryable,
  target: DataTarget,
  table: string,
  column?: string,
  constant?: string,
): Promise<[number, number]> {
  const values =
    column === undefined
      ? "0"
      : constant === undefined
        ? `count(${quoteIdent(column)})`
        : `count(${quoteIdent(column)}) FILTER (WHERE ${quoteIdent(column)} IS DISTINCT FROM (${constant}))`;
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
    const constant =
      target.column === undefined
        ? undefined
        : await constantDefault(db, target.schema, target.table, target.column);
    const [rows, values] = await count(db, target, target.table, target.column, constant);
    const note =
      constant === undefined ? {} : { note: `values equal to the default ${constant} not counted` };
    return { target, rows, ...(target.column !== undefined ? { values, ...note } : {}) };
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
