/**
 * The JSON Schema of backout.yaml for editors (yaml-language-server, VS Code): the input
 * side of the zod schema, so defaults and durations show as written in the file.
 */
import * as z from "zod";
import type { ProviderRegistry } from "../core/provider.js";
import { buildEnvironmentSchema } from "./schema.js";

export const JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema";

export function environmentJsonSchema(providers: ProviderRegistry): Record<string, unknown> {
  const schema = z.toJSONSchema(buildEnvironmentSchema(providers), {
    io: "input",
    target: "draft-2020-12",
    // Refinements (e.g. "at least one component") have no JSON Schema form; the loader checks them.
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return { ...schema, $schema: JSON_SCHEMA_DIALECT, title: "backout environment file (backout.yaml)" };
}
