/**
 * Default deny: walks a statement's whole parse tree and lists everything not on the allow-list
 * (INERT_NODES, PURE_FUNCTIONS). A statement rule may only call a statement safe when this finds
 * nothing; what it finds is named in the reason, so the operator sees why it is gated.
 */
import { type Json, type JsonObject, names, obj, str } from "./ast.js";
import { DATA_MODIFYING_NODES, DEFERRED_FIELDS, INERT_NODES } from "./node-kinds.js";
import { PURE_FUNCTIONS } from "./statement-kinds.js";

export interface TreeFindings {
  /** Data-modifying statements nested in the tree (a WITH ... DELETE, EXPLAIN ANALYZE UPDATE). */
  modifying: { kind: string; node: JsonObject }[];
  /** Functions that are not known to only compute a value. */
  calls: string[];
  /** Node kinds nobody has judged harmless. */
  unknown: string[];
}

/** A node kind: libpg-query wraps generic nodes as `{ Kind: {...} }`, fields are lower-case. */
const isNodeKey = (k: string): boolean => /^[A-Z]/.test(k);

function callName(f: JsonObject): string | undefined {
  const n = names(f.funcname);
  const builtin = n.length === 1 || n[0] === "pg_catalog";
  return builtin && PURE_FUNCTIONS.has(n[n.length - 1] ?? "") ? undefined : n.join(".");
}

function walk(v: Json | undefined, skip: readonly string[], out: TreeFindings): void {
  if (Array.isArray(v)) {
    for (const x of v) walk(x, skip, out);
    return;
  }
  if (typeof v !== "object" || v === null) return;
  for (const [key, value] of Object.entries(v)) {
    if (skip.includes(key)) continue;
    if (!isNodeKey(key)) {
      walk(value, [], out);
      continue;
    }
    const node = obj(value);
    if (DATA_MODIFYING_NODES.has(key)) {
      out.modifying.push({ kind: key, node });
      continue;
    }
    if (key === "FuncCall") {
      const name = callName(node);
      if (name !== undefined) out.calls.push(name);
    } else if (key === "AlterTableCmd" && str(node.subtype) === "AT_ColumnDefault") {
      // SET DEFAULT stores the expression; it is evaluated on future inserts only.
      continue;
    } else if (!INERT_NODES.has(key)) {
      out.unknown.push(key);
      continue;
    }
    walk(value, DEFERRED_FIELDS[key] ?? [], out);
  }
}

/** Everything below the statement `kind` (its own node) that is not known to be harmless. */
export function checkTree(kind: string, node: JsonObject): TreeFindings {
  const out: TreeFindings = { modifying: [], calls: [], unknown: [] };
  walk(node, DEFERRED_FIELDS[kind] ?? [], out);
  out.calls = [...new Set(out.calls)];
  out.unknown = [...new Set(out.unknown)];
  return out;
}

/** "calls purge, which may do anything" or undefined when no call or unknown node was found. */
export function describeFindings(f: TreeFindings): string | undefined {
  const parts: string[] = [];
  if (f.calls.length > 0) parts.push(`calls ${f.calls.join(", ")}, which may do anything`);
  if (f.unknown.length > 0) parts.push(`contains ${f.unknown.join(", ")}, not known to be harmless`);
  return parts.length === 0 ? undefined : parts.join("; ");
}
