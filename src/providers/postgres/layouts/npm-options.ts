/**
 * The node-pg-migrate options that change the SQL the tool runs and the history it writes
 * (--schema, --migrations-schema, --migrations-table, --decamelize), resolved the way its CLI
 * (bin/node-pg-migrate.ts) resolves them: command-line flags (the component's `nodePgMigrate`
 * settings stand for them), then node-config's `db` section (when the project has the `config`
 * package), then `--config-file`'s section; a later source's key overrides an earlier one's
 * (the CLI's applyIf), then the defaults (pgmigrations, public, migrations schema = first schema).
 *
 * node-config is read from its JSON files only (default, <NODE_CONFIG_ENV|NODE_ENV>, local,
 * local-<env>, and NODE_CONFIG); another format under one of those names is refused rather than
 * guessed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve } from "node:path";
import { BackoutError } from "../../../core/errors.js";

/** The options, resolved. */
export interface NpmToolOptions {
  schemas: string[];
  migrationsSchema: string;
  migrationsTable: string;
  decamelize: boolean;
}

export interface NpmSettings {
  schema?: string | string[] | undefined;
  migrationsSchema?: string | undefined;
  migrationsTable?: string | undefined;
  decamelize?: boolean | undefined;
  configFile?: string | undefined;
  configValue?: string | undefined;
}

type Values = { schema?: string | string[]; ms?: string; mt?: string; decamelize?: boolean };

const isSchema = (v: unknown): v is string | string[] =>
  (typeof v === "string" && v.length > 0) || (Array.isArray(v) && v.every((x) => typeof x === "string"));

/** The CLI's readJson for the four options: a key present with a valid value overrides. */
function overlay(values: Values, json: unknown): Values {
  if (typeof json !== "object" || json === null) return values;
  const o = json as Record<string, unknown>;
  const out = { ...values };
  if ("schema" in o && isSchema(o.schema)) out.schema = o.schema;
  if (typeof o["migrations-schema"] === "string") out.ms = o["migrations-schema"];
  if (typeof o["migrations-table"] === "string") out.mt = o["migrations-table"];
  if (typeof o.decamelize === "boolean") out.decamelize = o.decamelize;
  return out;
}

function readJson(file: string, component: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as unknown;
  } catch (e) {
    throw new BackoutError(
      "CONFIG_INVALID",
      `cannot read node-pg-migrate's configuration ${file}: ${String(e)}`,
      {
        where: { component, file },
        hint: "Fix the file (node-pg-migrate reads it too), or set the options under nodePgMigrate on the component.",
      },
    );
  }
}

function merge(a: unknown, b: unknown): unknown {
  if (typeof a !== "object" || a === null || Array.isArray(a)) return b;
  if (typeof b !== "object" || b === null || Array.isArray(b)) return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out;
}

/** The project: the nearest directory above the migrations with a package.json (where `npx node-pg-migrate` runs). */
export function projectDir(migrationsDir: string): string {
  for (let d = resolve(migrationsDir); ; d = dirname(d)) {
    if (existsSync(join(d, "package.json"))) return d;
    if (dirname(d) === d) return dirname(resolve(migrationsDir));
  }
}

/** node-config's merged JSON, when the project has the package (the tool only reads it then). */
function nodeConfig(project: string, env: Record<string, string | undefined>, component: string): unknown {
  try {
    createRequire(join(project, "noop.js")).resolve("config");
  } catch {
    return undefined;
  }
  const dir = resolve(project, env.NODE_CONFIG_DIR ?? "config");
  const deployment = env.NODE_CONFIG_ENV ?? env.NODE_ENV ?? "development";
  const names = ["default", deployment, "local", `local-${deployment}`];
  const files = existsSync(dir) ? readdirSync(dir) : [];
  let merged: unknown = {};
  for (const name of names) {
    const other = files.find((f) => f.slice(0, -extname(f).length) === name && extname(f) !== ".json");
    if (other !== undefined) {
      throw new BackoutError(
        "CONFIG_INVALID",
        `node-pg-migrate reads node-config, and ${join(dir, other)} is not JSON: backout reads only node-config's JSON files`,
        {
          where: { component, file: join(dir, other) },
          hint: "Set schema, migrationsSchema, migrationsTable and decamelize under nodePgMigrate on the component, as the tool resolves them, or keep that configuration in JSON.",
        },
      );
    }
    if (files.includes(`${name}.json`))
      merged = merge(merged, readJson(join(dir, `${name}.json`), component));
  }
  if (env.NODE_CONFIG !== undefined) merged = merge(merged, JSON.parse(env.NODE_CONFIG) as unknown);
  return merged;
}

export function resolveNpmOptions(input: {
  settings: NpmSettings | undefined;
  baseDir: string;
  migrationsDir: string;
  env: Record<string, string | undefined>;
  component: string;
}): NpmToolOptions {
  const s = input.settings ?? {};
  let values: Values = {
    ...(s.schema === undefined ? {} : { schema: s.schema }),
    ...(s.migrationsSchema === undefined ? {} : { ms: s.migrationsSchema }),
    ...(s.migrationsTable === undefined ? {} : { mt: s.migrationsTable }),
    ...(s.decamelize === undefined ? {} : { decamelize: s.decamelize }),
  };
  const section = s.configValue ?? "db";
  const fromNodeConfig = nodeConfig(projectDir(input.migrationsDir), input.env, input.component);
  const own = (fromNodeConfig as Record<string, unknown> | undefined)?.[section];
  if (own !== undefined) values = overlay(values, own);
  if (s.configFile !== undefined) {
    const json = readJson(resolve(input.baseDir, s.configFile), input.component) as Record<string, unknown>;
    values = overlay(values, json?.[section] === undefined ? json : json[section]);
  }
  const schemas = values.schema === undefined ? ["public"] : [values.schema].flat();
  return {
    schemas,
    migrationsSchema: values.ms ?? schemas[0] ?? "public",
    migrationsTable: values.mt ?? "pgmigrations",
    decamelize: values.decamelize ?? false,
  };
}

/** `SET search_path TO "app", "public"; `, the tool's own first statement, when it is not just public. */
export function searchPathPrefix(o: NpmToolOptions | undefined): string {
  if (o === undefined || (o.schemas.length === 1 && o.schemas[0] === "public")) return "";
  return `SET search_path TO ${o.schemas.map((s) => `"${s.replace(/"/g, '""')}"`).join(", ")}; `;
}
