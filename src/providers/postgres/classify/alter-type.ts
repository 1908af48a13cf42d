/**
 * Whether ALTER COLUMN ... TYPE keeps every value. The parser knows only the new type; the old
 * one comes from the live catalog when a connection is at hand. Without it, only a change to an
 * unbounded text type (which every value converts to and back from) counts as lossless.
 */
import type { Queryable } from "../connection/queryable.js";
import { type JsonObject, arr, names, nodeOf, obj } from "./ast.js";

export interface ColumnType {
  /** Internal name: int4, varchar, numeric, text... */
  name: string;
  /** Declared modifiers: varchar(20) → [20], numeric(10,2) → [10, 2]; [] when unbounded. */
  mods: number[];
}

/** The type of an AT_AlterColumnType's ColumnDef, as the parser spells it. */
export function targetType(def: JsonObject): ColumnType {
  const typeName = obj(obj(def.ColumnDef).typeName);
  const parts = names(typeName.names);
  const mods = arr(typeName.typmods).map((m) => {
    const [, c] = nodeOf(m);
    const ival = obj(c.ival).ival;
    return typeof ival === "number" ? ival : Number.NaN;
  });
  return { name: parts[parts.length - 1] ?? "", mods };
}

const WIDER: Record<string, string[]> = {
  int2: ["int4", "int8", "numeric"],
  int4: ["int8", "numeric"],
  int8: ["numeric"],
  float4: ["float8"],
  varchar: ["text"],
  text: ["varchar"],
};

function unbounded(t: ColumnType): boolean {
  return t.mods.length === 0;
}

/** Conversions known to keep every value of `from` exactly. */
export function isLossless(from: ColumnType | undefined, to: ColumnType): boolean {
  // Any value has a text form that reads back: text and unbounded varchar hold everything.
  if ((to.name === "text" || to.name === "varchar") && unbounded(to) && from?.name !== "bpchar") return true;
  if (!from) return false;
  if (from.name === to.name) {
    if (unbounded(to)) return true;
    if (unbounded(from)) return false;
    if (to.name === "numeric") {
      const [p1 = 0, s1 = 0] = from.mods;
      const [p2 = 0, s2 = 0] = to.mods;
      return s2 >= s1 && p2 - s2 >= p1 - s1;
    }
    if (to.name === "varchar" || to.name === "bpchar") return (to.mods[0] ?? 0) >= (from.mods[0] ?? 0);
    return false;
  }
  if (!(WIDER[from.name] ?? []).includes(to.name)) return false;
  if (to.name === "numeric") return integerFits(from, to);
  // text → varchar(n) may not fit; an unbounded varchar is text by another name.
  if (to.name === "varchar") return unbounded(to);
  return true;
}

// int2/int4/int8 into numeric(p,s) is lossless when p - s covers the integer's digits.
function integerFits(from: ColumnType, to: ColumnType): boolean {
  if (unbounded(to)) return true;
  const digits: Record<string, number> = { int2: 5, int4: 10, int8: 19 };
  const [p = 0, s = 0] = to.mods;
  return p - s >= (digits[from.name] ?? Number.POSITIVE_INFINITY);
}

/** The column's current type from the catalog, or undefined when the column does not exist. */
export async function currentType(
  db: Queryable,
  schema: string,
  table: string,
  column: string,
): Promise<ColumnType | undefined> {
  const { rows } = await db.query<{ typname: string; typmod: number }>(
    `SELECT t.typname, a.atttypmod AS typmod
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema, table, column],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { name: row.typname, mods: decodeTypmod(row.typname, row.typmod) };
}

function decodeTypmod(name: string, typmod: number): number[] {
  if (typmod < 0) return [];
  if (name === "numeric") {
    const m = typmod - 4;
    return [(m >> 16) & 0xffff, m & 0xffff];
  }
  if (name === "varchar" || name === "bpchar") return [typmod - 4];
  return [typmod];
}
