/**
 * Shared fixtures for the config tests: a registry of two schema-only providers (their
 * settingsSchema is all the loader reads) and helpers to load YAML from real temp files.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as z from "zod";
import { loadEnvironment } from "../../src/config/load.js";
import { Redactor } from "../../src/config/redactor.js";
import type { EnvironmentConfig } from "../../src/config/types.js";
import { BackoutError } from "../../src/core/errors.js";
import type { Provider, ProviderRegistry } from "../../src/core/provider.js";

function schemaOnly(
  kind: string,
  settingsSchema: z.ZodObject,
  defaultLayer: Provider["defaultLayer"],
): Provider<never> {
  const unused = (): never => {
    throw new Error(`${kind}: config tests only use the settings schema`);
  };
  return {
    kind,
    defaultLayer,
    settingsSchema,
    description: `${kind} fixture`,
    capture: unused,
    plan: unused,
    apply: unused,
    verify: unused,
  };
}

export function testRegistry(): ProviderRegistry {
  return new Map([
    ["release", schemaOnly("release", z.object({ path: z.string() }).strict(), "app")],
    ["command", schemaOnly("command", z.object({ apply: z.array(z.string()) }).strict(), "app")],
  ]);
}

/** Writes `text` as backout.yaml in a fresh temp directory and returns its path. */
export function writeConfig(text: string, name = "backout.yaml"): string {
  const dir = mkdtempSync(join(tmpdir(), "backout-config-"));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export interface Loaded {
  file: string;
  redactor: Redactor;
  config: EnvironmentConfig;
}

export function load(text: string, env: NodeJS.ProcessEnv = {}): Loaded {
  const file = writeConfig(text);
  const redactor = new Redactor();
  const config = loadEnvironment(file, { providers: testRegistry(), env, redactor });
  return { file, redactor, config };
}

export interface Failed {
  file: string;
  redactor: Redactor;
  error: BackoutError;
}

/** Loads text that must fail; returns the BackoutError. */
export function loadError(text: string, env: NodeJS.ProcessEnv = {}): Failed {
  const file = writeConfig(text);
  const redactor = new Redactor();
  try {
    loadEnvironment(file, { providers: testRegistry(), env, redactor });
  } catch (e) {
    if (e instanceof BackoutError) return { file, redactor, error: e };
    throw e;
  }
  throw new Error("expected loading to fail");
}

/** Joins lines so tests can count line numbers by eye. */
export function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}
