import { resolve } from "node:path";
import { stringify } from "yaml";
import { loadEnvironment as loadFile, parseEnvironmentText } from "../config/load.js";
import { Redactor } from "../config/redactor.js";
import type { EnvironmentConfig } from "../config/types.js";
import type { Provider, ProviderRegistry } from "../core/provider.js";
import { builtinProviders } from "../providers/builtin.js";

/**
 * A validated environment: its configuration, the providers it was validated against (the
 * built-in kinds plus any registered from outside) and the redactor that knows its secrets.
 * Everything `openBackout` needs; nothing is opened yet.
 */
export interface Environment {
  config: EnvironmentConfig;
  providers: ProviderRegistry;
  redactor: Redactor;
}

export interface EnvironmentOptions {
  /**
   * Providers for kinds backout does not ship (or replacing a built-in kind of the same name),
   * on top of the built-in ones.
   */
  providers?: readonly Provider<never>[];
  /** Where `${VAR}` values come from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Collects the secrets found; a new one when absent. */
  redactor?: Redactor;
}

export interface ParseOptions extends EnvironmentOptions {
  /**
   * The directory relative paths (the store, releases, migrations) are resolved against, and
   * the file name errors name; the current directory when absent.
   */
  baseDir?: string;
}

/** The built-in providers plus the given ones, by kind (a later one replaces an earlier one). */
export function providerRegistry(extra: readonly Provider<never>[] = []): ProviderRegistry {
  const registry = new Map(builtinProviders());
  for (const p of extra) registry.set(p.kind, p);
  return registry;
}

function prepare(options: EnvironmentOptions): { providers: ProviderRegistry; redactor: Redactor } {
  return { providers: providerRegistry(options.providers), redactor: options.redactor ?? new Redactor() };
}

/** Reads and validates an environment file (backout.yaml); a BackoutError names file, line and field. */
export function loadEnvironment(file: string, options: EnvironmentOptions = {}): Environment {
  const { providers, redactor } = prepare(options);
  const config = loadFile(file, { providers, redactor, ...(options.env ? { env: options.env } : {}) });
  return { config, providers, redactor };
}

/**
 * Validates an environment given as YAML text or as an object (the shape of backout.yaml), with
 * the same rules and errors as a file, `${VAR}` included.
 */
export function parseEnvironment(source: string | object, options: ParseOptions = {}): Environment {
  const { providers, redactor } = prepare(options);
  const text = typeof source === "string" ? source : stringify(source);
  const file = resolve(options.baseDir ?? process.cwd(), "backout.yaml");
  const config = parseEnvironmentText(text, file, {
    providers,
    redactor,
    ...(options.env ? { env: options.env } : {}),
  });
  return { config, providers, redactor };
}
