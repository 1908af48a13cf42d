/**
 * Resolves `${VAR}` in every string value of the parsed document, in place, and
 * remembers which nodes came from which variables so messages can name the variable
 * instead of echoing its (possibly secret) value. Also resolves the top-level
 * `secrets:` list. Keys are left alone: names must not depend on the environment.
 */
import { isMap, isScalar, isSeq, type Document, type Node } from "yaml";
import type { FieldPath } from "./locate.js";
import type { RawProblem } from "./problems.js";
import { hasReference, interpolate, VAR_NAME, type EnvLookup, type VarReference } from "./env-vars.js";

export interface Resolution {
  /** Node → the variables its value was built from. */
  origins: WeakMap<Node, VarReference[]>;
  /** Values to hand to the redactor. */
  secrets: string[];
  problems: RawProblem[];
}

const FIX_REFERENCE = "write ${NAME} or ${NAME:-default}; write $${ for a literal ${";

function resolveScalar(node: Node, path: FieldPath, env: EnvLookup, out: Resolution): void {
  if (!isScalar(node) || typeof node.value !== "string" || !hasReference(node.value)) return;
  const r = interpolate(node.value, env);
  for (const name of r.missing) {
    out.problems.push({
      code: "CONFIG_ENV_MISSING",
      message: `environment variable ${name} is not set (used as \${${name}})`,
      hint: `set ${name} in the environment, or give a default with \${${name}:-value}`,
      path,
    });
  }
  for (const text of r.malformed) {
    out.problems.push({
      code: "CONFIG_INVALID",
      message: `malformed variable reference ${text}`,
      hint: FIX_REFERENCE,
      path,
    });
  }
  for (const ref of r.references) {
    if (ref.secret && ref.value !== undefined) out.secrets.push(ref.value);
  }
  if (r.references.length > 0) out.origins.set(node, r.references);
  node.value = r.value;
}

function walk(node: Node | null | undefined, path: FieldPath, env: EnvLookup, out: Resolution): void {
  if (node === null || node === undefined) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      walk(pair.value as Node | null, [...path, key], env, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walk(item as Node | null, [...path, i], env, out));
  } else {
    // Aliases need nothing: they point at an anchored node that is resolved where it is written.
    resolveScalar(node, path, env, out);
  }
}

/** `secrets: [NAME, ...]`: each variable's value is a secret even if nothing references it. */
function resolveSecretList(doc: Document, env: EnvLookup, out: Resolution): void {
  const list = isMap(doc.contents) ? doc.contents.get("secrets", true) : undefined;
  if (!isSeq(list)) return; // A wrong shape is reported by the schema.
  list.items.forEach((item, i) => {
    if (!isScalar(item) || typeof item.value !== "string" || !VAR_NAME.test(item.value)) return;
    const name = item.value;
    const value = env[name];
    if (value === undefined) {
      out.problems.push({
        code: "CONFIG_ENV_MISSING",
        message: `environment variable ${name}, listed under secrets, is not set`,
        hint: `set ${name} in the environment, or remove it from secrets`,
        path: ["secrets", i],
      });
    } else {
      out.secrets.push(value);
    }
  });
}

export function resolveVariables(doc: Document, env: EnvLookup): Resolution {
  const out: Resolution = { origins: new WeakMap(), secrets: [], problems: [] };
  walk(doc.contents, [], env, out);
  resolveSecretList(doc, env, out);
  return out;
}
