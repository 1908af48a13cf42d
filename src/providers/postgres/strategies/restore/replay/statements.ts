/**
 * One set-based statement per run: the run's values are bound as one text[] per column and
 * unnest()ed server-side, each cast to the restored column's type. Identifiers go through
 * quoteIdent; types come from format_type(), which quotes them itself.
 */
import { qualified, quoteIdent } from "../../../sql/quote.js";
import type { Run } from "./runs.js";
import { toText } from "./values.js";
import { replayState } from "../../../errors.js";

export interface RunStatement {
  text: string;
  values: unknown[];
  /** update: the statement returns the ordinal (v.o) of each item whose row it found. */
  returnsMatches: boolean;
}

function valueOf(pairs: [string, unknown][], column: string): unknown {
  return pairs.find(([c]) => c === column)?.[1];
}

function typeOf(run: Run, column: string): string {
  const col = run.table.columns.get(column);
  if (!col) throw replayState(`replay: ${run.table.name}.${column} vanished from the target schema`);
  return col.type;
}

/** Arrays of text, one per column, and the `unnest(...) AS v(a0, a1, ...)` that reads them. */
class Unnest {
  readonly params: unknown[] = [];
  private readonly args: string[] = [];
  private readonly aliases: string[] = [];

  /** Adds a column of values; returns the expression reading it, cast to `type`. */
  column(values: (string | null)[], type: string): string {
    this.params.push(values);
    const alias = `a${this.aliases.length}`;
    this.args.push(`$${this.params.length}::text[]`);
    this.aliases.push(alias);
    return `v.${alias}::${type}`;
  }

  ordinals(count: number): string {
    this.params.push(Array.from({ length: count }, (_, i) => i));
    this.args.push(`$${this.params.length}::int4[]`);
    this.aliases.push("o");
    return "v.o";
  }

  get from(): string {
    return `unnest(${this.args.join(", ")}) AS v(${this.aliases.join(", ")})`;
  }
}

function keyMatch(run: Run, u: Unnest): string {
  return run.keyColumns
    .map((c) => {
      const values = run.items.map((i) => toText(valueOf(i.plan.keys, c)));
      return `t.${quoteIdent(c)} = ${u.column(values, typeOf(run, c))}`;
    })
    .join(" AND ");
}

function insertStatement(run: Run): RunStatement {
  const table = qualified(run.table.schema, run.table.name);
  if (run.valueColumns.length === 0) {
    const text = `INSERT INTO ${table} SELECT FROM generate_series(1, $1::int4)`;
    return { text, values: [run.items.length], returnsMatches: false };
  }
  const u = new Unnest();
  const exprs = run.valueColumns.map((c) =>
    u.column(
      run.items.map((i) => toText(valueOf(i.plan.values, c))),
      typeOf(run, c),
    ),
  );
  const cols = run.valueColumns.map(quoteIdent).join(", ");
  const identity = run.valueColumns.some((c) => run.table.columns.get(c)?.identityAlways);
  const pk = run.table.primaryKey;
  let conflict = "";
  // The row may already be there (from the dump, or from a batch replayed before a crash).
  if (pk.length > 0 && pk.every((c) => run.valueColumns.includes(c))) {
    const set = run.valueColumns
      .filter((c) => !pk.includes(c) && !run.table.columns.get(c)?.identityAlways)
      .map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`);
    const target = pk.map(quoteIdent).join(", ");
    conflict = set.length
      ? ` ON CONFLICT (${target}) DO UPDATE SET ${set.join(", ")}`
      : ` ON CONFLICT (${target}) DO NOTHING`;
  }
  const text =
    `INSERT INTO ${table} (${cols})${identity ? " OVERRIDING SYSTEM VALUE" : ""}` +
    ` SELECT ${exprs.join(", ")} FROM ${u.from}${conflict}`;
  return { text, values: u.params, returnsMatches: false };
}

function updateStatement(run: Run): RunStatement {
  const table = qualified(run.table.schema, run.table.name);
  const u = new Unnest();
  const where = keyMatch(run, u);
  // GENERATED ALWAYS AS IDENTITY columns can only be updated to DEFAULT: leave them as they are.
  const set = run.valueColumns
    .filter((c) => !run.table.columns.get(c)?.identityAlways)
    .map((c) => {
      const values = run.items.map((i) => toText(valueOf(i.plan.values, c)));
      return `${quoteIdent(c)} = ${u.column(values, typeOf(run, c))}`;
    });
  const ord = u.ordinals(run.items.length);
  const text = set.length
    ? `UPDATE ${table} AS t SET ${set.join(", ")} FROM ${u.from} WHERE ${where} RETURNING ${ord}`
    : `SELECT ${ord} FROM ${u.from} WHERE EXISTS (SELECT 1 FROM ${table} AS t WHERE ${where})`;
  return { text, values: u.params, returnsMatches: true };
}

function deleteStatement(run: Run): RunStatement {
  const table = qualified(run.table.schema, run.table.name);
  const u = new Unnest();
  const where = keyMatch(run, u);
  return {
    text: `DELETE FROM ${table} AS t USING ${u.from} WHERE ${where}`,
    values: u.params,
    returnsMatches: false,
  };
}

export function runStatement(run: Run): RunStatement {
  switch (run.op) {
    case "insert":
      return insertStatement(run);
    case "update":
      return updateStatement(run);
    case "delete":
      return deleteStatement(run);
    case "truncate":
      // CASCADE: the source truncated the referencing tables in the same command (captured too).
      return {
        text: `TRUNCATE ONLY ${qualified(run.table.schema, run.table.name)} CASCADE`,
        values: [],
        returnsMatches: false,
      };
  }
}
