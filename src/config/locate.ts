/**
 * From a validation path (["components", "api", "dependsOn", 1]) to a line and column in
 * backout.yaml, and to the dotted field name people read ("components.api.dependsOn[1]").
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export type FieldPath = readonly PropertyKey[];

export interface Position {
  line: number;
  column: number;
}

interface Found {
  /** Deepest node reached along the path. */
  node: Node | undefined;
  /** Key node of the last mapping entry passed through (points at "name:"). */
  key: Node | undefined;
  /** Whether every segment of the path exists. */
  complete: boolean;
}

function walk(doc: Document, path: FieldPath): Found {
  let node = doc.contents ?? undefined;
  let key: Node | undefined;
  for (const [i, seg] of path.entries()) {
    if (node !== undefined && isAlias(node)) node = node.resolve(doc) ?? undefined;
    let next: Node | undefined;
    if (node !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair) {
        key = isScalar(pair.key) ? pair.key : undefined;
        next = (pair.value as Node | null) ?? undefined;
        if (next === undefined) return { node: key, key, complete: i === path.length - 1 };
      }
    } else if (node !== undefined && isSeq(node) && typeof seg === "number") {
      next = (node.items[seg] as Node | null) ?? undefined;
    }
    if (next === undefined) return { node, key, complete: false };
    node = next;
  }
  return { node, key, complete: true };
}

export function positionOf(node: Node | undefined, lines: LineCounter): Position | undefined {
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/**
 * Where to point for `path`. `at: "value"` points at the value (wrong type, bad item);
 * `at: "key"` points at the entry's key (unknown key, bad name). A path that does not
 * exist (a missing required field) points at the key of its nearest existing parent.
 */
export function locate(
  doc: Document,
  lines: LineCounter,
  path: FieldPath,
  at: "value" | "key" = "value",
): Position {
  const found = walk(doc, path);
  const isEmptyValue = found.node !== undefined && isScalar(found.node) && found.node.value === null;
  const target =
    !found.complete || at === "key" || isEmptyValue ? (found.key ?? found.node) : (found.node ?? found.key);
  return positionOf(target, lines) ?? positionOf(doc.contents ?? undefined, lines) ?? { line: 1, column: 1 };
}

/** The node at `path`, if the whole path exists. */
export function nodeAt(doc: Document, path: FieldPath): Node | undefined {
  const found = walk(doc, path);
  return found.complete ? found.node : undefined;
}

const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** ["components", "api", "dependsOn", 1] → "components.api.dependsOn[1]"; [] → "(top level)". */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const s = String(seg);
      if (PLAIN_SEGMENT.test(s)) out += out === "" ? s : `.${s}`;
      else out += `[${JSON.stringify(s)}]`;
    }
  }
  return out === "" ? "(top level)" : out;
}
