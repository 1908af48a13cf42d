/**
 * Loads backout.yaml: read, parse (with positions), resolve ${VAR}, validate against the
 * providers' schema, check cross-references, and either return typed config or throw one
 * BackoutError that names the file, line, column and field of the first problem.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { BackoutError } from "../core/errors.js";
import type { ProviderRegistry } from "../core/provider.js";
import type { Redactor } from "./redactor.js";
import type { EnvironmentConfig } from "./types.js";
import { resolveVariables, type Resolution } from "./interpolate.js";
import { describeValue, problemsFromIssues } from "./issues.js";
import { formatPath, nodeAt, type FieldPath } from "./locate.js";
import { placeProblem, problemsError, type RawProblem } from "./problems.js";
import { buildEnvironmentSchema } from "./schema.js";
import { valueAt } from "./schema-keys.js";
import { checkComponentReferences } from "./semantic.js";
import { yamlSyntaxProblems } from "./yaml-errors.js";

export interface LoadOptions {
  providers: ProviderRegistry;
  /** Where ${VAR} values come from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Receives every secret value found, before anything can be printed. */
  redactor: Redactor;
}

const NOT_FOUND_HINT = "run backout in the directory of backout.yaml or pass --config FILE";

function readConfig(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "does not exist"
        : code === "EISDIR"
          ? "is a directory"
          : `cannot be read (${code})`;
    throw new BackoutError("CONFIG_NOT_FOUND", `environment file ${file} ${why}`, {
      hint: NOT_FOUND_HINT,
      where: { file },
      cause: e,
    });
  }
}

/** "the text \"x\"", or for a value built from variables only "a string (from ${VAR})". */
function showValue(doc: Document, data: unknown, res: Resolution): (path: FieldPath) => string {
  return (path) => {
    const node = nodeAt(doc, path);
    const refs = node === undefined ? undefined : res.origins.get(node);
    if (refs !== undefined) return `a string (from ${refs.map((r) => `\${${r.name}}`).join(", ")})`;
    return describeValue(valueAt(data, path));
  };
}

/** Component names in the order written (object key order puts "10" before "2"). */
function writtenOrder(doc: Document): string[] {
  const map = isMap(doc.contents) ? doc.contents.get("components", true) : undefined;
  if (!isMap(map)) return [];
  return map.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ""));
}

/** Larger than any real environment file; a bigger one is a mistake or an attack, refused before parsing. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Aliases expanded at most this many times: a "billion laughs" file is a config error, not a hang. */
const MAX_ALIAS_COUNT = 1000;

function yamlLimit(file: string, message: string, cause: unknown): BackoutError {
  return new BackoutError("CONFIG_INVALID", `${file}: ${message}`, {
    hint: "write the file without deeply repeated anchors/aliases or deep nesting; an environment file is small",
    where: { file },
    cause,
  });
}

/** The document as plain data; YAML's resource limits become configuration errors. */
function toData(doc: Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw yamlLimit(file, `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} uses)`, e);
    }
    if (e instanceof RangeError) throw yamlLimit(file, "the YAML is nested too deeply", e);
    throw e;
  }
}

export function loadEnvironment(file: string, opts: LoadOptions): EnvironmentConfig {
  const abs = resolve(file);
  return parseEnvironmentText(readConfig(abs), abs, opts);
}

/**
 * The same validation for text that is not (yet) a file: `file` is where it is said to live
 * (its directory resolves relative paths, and errors name it).
 */
export function parseEnvironmentText(text: string, file: string, opts: LoadOptions): EnvironmentConfig {
  const abs = resolve(file);
  if (text.length > MAX_CONFIG_BYTES) {
    throw yamlLimit(abs, `the file is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB`, undefined);
  }
  const lines = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  } catch (e) {
    if (e instanceof RangeError) throw yamlLimit(abs, "the YAML is nested too deeply", e);
    throw e;
  }
  const syntax = yamlSyntaxProblems(doc.errors, text, lines, abs);
  if (syntax.length > 0) throw problemsError(syntax, opts.redactor);

  const res = resolveVariables(doc, opts.env ?? process.env);
  for (const s of res.secrets) opts.redactor.add(s);

  const data = toData(doc, abs);
  const schema = buildEnvironmentSchema(opts.providers, kindsNamed(data));
  // Parsed once per process: zod's JIT (a generated function per object schema) costs more to
  // build than it saves on a single parse, and every command's cold start pays for it.
  const parsed = schema.safeParse(data, { jitless: true });

  const later: RawProblem[] = checkComponentReferences(data);
  if (!parsed.success) {
    const ctx = { schema, data, kinds: [...opts.providers.keys()], show: showValue(doc, data, res) };
    later.unshift(...problemsFromIssues(parsed.error.issues, ctx));
  }
  // A field whose variable is missing is already reported; other errors about it would only repeat it.
  const reported = new Set(res.problems.map((p) => formatPath(p.path)));
  const raw = [...res.problems, ...later.filter((p) => !reported.has(formatPath(p.path)))];
  if (raw.length > 0 || !parsed.success) {
    throw problemsError(
      raw.map((p) => placeProblem(p, abs, doc, lines)),
      opts.redactor,
    );
  }

  const config = parsed.data;
  const order = writtenOrder(doc);
  const components = [...config.components].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const baseDir = dirname(abs);
  // Everything the schema parsed, with the file's location and the store path made absolute.
  return {
    ...config,
    file: abs,
    baseDir,
    store: { kind: config.store.kind, path: resolve(baseDir, config.store.path) },
    components,
  };
}

/** Every `kind` the file's components name (a mistyped one too: it is refused as unknown). */
function kindsNamed(data: unknown): Set<string> {
  const components = (data as { components?: unknown } | null)?.components;
  const kinds = new Set<string>();
  if (typeof components !== "object" || components === null) return kinds;
  for (const c of Object.values(components)) {
    const kind = (c as { kind?: unknown } | null)?.kind;
    if (typeof kind === "string") kinds.add(kind);
  }
  return kinds;
}
