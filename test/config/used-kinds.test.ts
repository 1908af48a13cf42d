/**
 * A file is parsed with the kinds its components name: the settings schema of any other kind
 * is never built (zod schemas cost to build, and every command's start pays for them), yet an
 * unknown or misspelled kind is refused with the full list, and the JSON Schema has them all.
 */
import * as z from "zod";
import { describe, expect, it } from "vitest";
import { environmentJsonSchema } from "../../src/config/json-schema.js";
import { loadEnvironment } from "../../src/config/load.js";
import { Redactor } from "../../src/config/redactor.js";
import { BackoutError } from "../../src/core/errors.js";
import type { ProviderRegistry } from "../../src/core/provider.js";
import { builtinProviders } from "../../src/providers/builtin.js";
import { lazyProvider } from "../../src/providers/lazy-provider.js";
import { writeConfig, yaml } from "./fixtures.js";

/** The built-in kinds plus `probe`, whose settings schema counts how often it is asked for. */
function countingRegistry(): { providers: ProviderRegistry; built: () => number } {
  let built = 0;
  const probe = lazyProvider(
    {
      kind: "probe",
      defaultLayer: "app",
      description: "counts its schema builds",
      get settingsSchema() {
        built++;
        return z.strictObject({ target: z.string() });
      },
    },
    [],
    () => Promise.reject(new Error("never loaded")),
  );
  const providers: ProviderRegistry = new Map([...builtinProviders(), ["probe", probe]]);
  return { providers, built: () => built };
}

const command = ["  api:", "    kind: command", "    capture: [cat, v]", '    apply: ["true"]'];

describe("kinds a file does not use", () => {
  it("are not built to parse it", () => {
    const { providers, built } = countingRegistry();
    const file = writeConfig(yaml("version: 1", "environment: e", "components:", ...command));
    loadEnvironment(file, { providers, redactor: new Redactor(), env: {} });
    expect(built()).toBe(0);
  });

  it("are built when a component names them", () => {
    const { providers, built } = countingRegistry();
    const file = writeConfig(
      yaml(
        "version: 1",
        "environment: e",
        "components:",
        ...command,
        "  p:",
        "    kind: probe",
        "    target: x",
      ),
    );
    const config = loadEnvironment(file, { providers, redactor: new Redactor(), env: {} });
    expect(built()).toBeGreaterThan(0);
    expect(config.components.find((c) => c.name === "p")?.settings).toEqual({ target: "x" });
  });

  it("still make a misspelled kind an error that lists every kind", () => {
    const { providers } = countingRegistry();
    const file = writeConfig(
      yaml("version: 1", "environment: e", "components:", "  api:", "    kind: comand"),
    );
    let error: unknown;
    try {
      loadEnvironment(file, { providers, redactor: new Redactor(), env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackoutError);
    const text = `${(error as BackoutError).message}\n${(error as BackoutError).hint ?? ""}`;
    expect(text).toContain('did you mean "command"');
    for (const kind of providers.keys()) expect(text).toContain(kind);
  });

  it("are all in the exported schema", () => {
    const { providers, built } = countingRegistry();
    const json = JSON.stringify(environmentJsonSchema(providers));
    expect(built()).toBeGreaterThan(0);
    for (const kind of providers.keys()) expect(json).toContain(`"type":"string","const":"${kind}"`);
  });
});
