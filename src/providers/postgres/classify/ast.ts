/**
 * Small helpers over libpg-query's JSON AST. The parser's output is untyped JSON here on purpose:
 * backout reads a handful of node kinds and treats everything else as unknown.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function obj(v: Json | undefined): JsonObject {
  return isObject(v) ? v : {};
}

export function arr(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: Json | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** `{ DropStmt: {...} }` → ["DropStmt", {...}]. */
export function nodeOf(v: Json | undefined): [string, JsonObject] {
  const o = obj(v);
  const [name] = Object.keys(o);
  return name === undefined ? ["", {}] : [name, obj(o[name])];
}

/** A list of `{String: {sval}}` nodes (qualified names) → ["schema", "table"]. */
export function names(list: Json | undefined): string[] {
  return arr(list).map((n) => str(obj(obj(n).String).sval) ?? "");
}

/** Every node named `kind` anywhere below `v`. */
export function findNodes(v: Json | undefined, kind: string, found: JsonObject[] = []): JsonObject[] {
  if (Array.isArray(v)) for (const x of v) findNodes(x, kind, found);
  else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === kind && isObject(x)) found.push(x);
      findNodes(x, kind, found);
    }
  }
  return found;
}

/** The AST without positions, so two parses of the same expression at different offsets compare equal. */
export function withoutLocations(v: Json | undefined): Json {
  if (Array.isArray(v)) return v.map(withoutLocations);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (k !== "location") out[k] = withoutLocations(x);
    return out;
  }
  return v ?? null;
}

/** A RangeVar → schema and table, the schema defaulting to the caller's (search_path's first). */
export function relation(rv: JsonObject, defaultSchema: string): { schema: string; table: string } {
  return { schema: str(rv.schemaname) ?? defaultSchema, table: str(rv.relname) ?? "" };
}
