/**
 * The three integrity queries, each returning one readable line per problem. Identifiers read
 * from the catalog are quoted before they reach SQL text; the schema travels as a parameter.
 */
import type pg from "pg";
import { qualified, quoteIdent } from "../providers/postgres/sql/quote.js";

type Db = Pick<pg.ClientBase, "query">;

interface UnvalidatedRow {
  conname: string;
  relname: string;
  contype: string;
}

const CONSTRAINT_KINDS: Record<string, string> = { f: "foreign key", c: "check", n: "not-null" };

/** Constraints added NOT VALID and never validated: old rows were never checked against them. */
export async function findUnvalidated(db: Db, schema: string): Promise<string[]> {
  const { rows } = await db.query<UnvalidatedRow>(
    `SELECT c.conname, t.relname, c.contype::text AS contype
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE NOT c.convalidated AND n.nspname = $1
      ORDER BY t.relname, c.conname`,
    [schema],
  );
  return rows.map(
    (r) =>
      `${CONSTRAINT_KINDS[r.contype] ?? "constraint"} ${r.conname} on ${schema}.${r.relname} is NOT VALID ` +
      `(run ALTER TABLE ... VALIDATE CONSTRAINT ${r.conname})`,
  );
}

interface ForeignKeyRow {
  conname: string;
  child_schema: string;
  child: string;
  parent_schema: string;
  parent: string;
  child_cols: string[];
  parent_cols: string[];
  full_match: boolean;
}

/** Every foreign key of the schema's tables, with its column pairs in declaration order. */
async function foreignKeys(db: Db, schema: string): Promise<ForeignKeyRow[]> {
  const { rows } = await db.query<ForeignKeyRow>(
    `SELECT c.conname, cn.nspname AS child_schema, ct.relname AS child,
            pn.nspname AS parent_schema, pt.relname AS parent,
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, i)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.i) AS child_cols,
            array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, i)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.i) AS parent_cols,
            c.confmatchtype = 'f' AS full_match
       FROM pg_constraint c
       JOIN pg_class ct ON ct.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = ct.relnamespace
       JOIN pg_class pt ON pt.oid = c.confrelid JOIN pg_namespace pn ON pn.oid = pt.relnamespace
      WHERE c.contype = 'f' AND cn.nspname = $1
      ORDER BY ct.relname, c.conname`,
    [schema],
  );
  return rows;
}

/** The anti-join: child rows whose key is complete (or, MATCH FULL, partly null) and has no parent. */
function orphanSql(fk: ForeignKeyRow): string {
  const child = fk.child_cols.map((c) => `c.${quoteIdent(c)}`);
  const join = fk.child_cols
    .map((c, i) => `p.${quoteIdent(fk.parent_cols[i] ?? c)} = c.${quoteIdent(c)}`)
    .join(" AND ");
  const missing = `NOT EXISTS (SELECT 1 FROM ${qualified(fk.parent_schema, fk.parent)} p WHERE ${join})`;
  const allSet = child.map((c) => `${c} IS NOT NULL`).join(" AND ");
  const anySet = child.map((c) => `${c} IS NOT NULL`).join(" OR ");
  // MATCH SIMPLE (the default): a key with any NULL is not checked. MATCH FULL: all or none NULL.
  const where = fk.full_match
    ? `(${anySet}) AND (NOT (${allSet}) OR ${missing})`
    : `${allSet} AND ${missing}`;
  return `SELECT count(*)::bigint AS n FROM ${qualified(fk.child_schema, fk.child)} c WHERE ${where}`;
}

export async function findOrphans(db: Db, schema: string): Promise<string[]> {
  const problems: string[] = [];
  for (const fk of await foreignKeys(db, schema)) {
    const { rows } = await db.query<{ n: string }>(orphanSql(fk));
    const n = Number(rows[0]?.n ?? 0);
    if (n === 0) continue;
    const from = `${fk.child}(${fk.child_cols.join(", ")})`;
    const to = `${fk.parent_schema}.${fk.parent}(${fk.parent_cols.join(", ")})`;
    problems.push(
      `${n} ${n === 1 ? "row" : "rows"} of ${fk.child_schema}.${from} without a matching row in ${to} (foreign key ${fk.conname})`,
    );
  }
  return problems;
}

interface OwnedSequenceRow {
  seq_schema: string;
  seq: string;
  table: string;
  column: string;
  increment: string;
}

/** Sequences owned by (serial) or backing (identity) an integer column of the schema's tables. */
async function ownedSequences(db: Db, schema: string): Promise<OwnedSequenceRow[]> {
  const { rows } = await db.query<OwnedSequenceRow>(
    `SELECT sn.nspname AS seq_schema, s.relname AS seq, t.relname AS "table", a.attname AS "column",
            ps.seqincrement::text AS increment
       FROM pg_depend d
       JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_sequence ps ON ps.seqrelid = s.oid
       JOIN pg_class t ON t.oid = d.refobjid
       JOIN pg_namespace tn ON tn.oid = t.relnamespace
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 AND tn.nspname = $1
        AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype)
      ORDER BY t.relname, a.attname`,
    [schema],
  );
  return rows;
}

export async function findSequencesBehind(db: Db, schema: string): Promise<string[]> {
  const problems: string[] = [];
  for (const s of await ownedSequences(db, schema)) {
    // Descending sequences hand out ever smaller values: compare with the smallest instead.
    const up = Number(s.increment) > 0;
    // The sequence's state and the column's extreme in one round trip.
    const { rows } = await db.query<{ last_value: string; is_called: boolean; v: string | null }>(
      `SELECT q.last_value::text AS last_value, q.is_called,
              (SELECT ${up ? "max" : "min"}(${quoteIdent(s.column)})::text FROM ${qualified(schema, s.table)}) AS v
         FROM ${qualified(s.seq_schema, s.seq)} q`,
    );
    const state = rows[0];
    const v = state?.v;
    if (state === undefined || v === null || v === undefined) continue;
    const next = BigInt(state.last_value) + (state.is_called ? BigInt(s.increment) : 0n);
    const value = BigInt(v);
    const behind = up ? next <= value : next >= value;
    if (!behind) continue;
    problems.push(
      `sequence ${s.seq_schema}.${s.seq} is behind ${schema}.${s.table}.${s.column}: its next value is ${next} ` +
        `but the column already holds ${value} (the next insert would collide; ` +
        `run SELECT setval('${s.seq_schema}.${s.seq}', ${value}))`,
    );
  }
  return problems;
}
