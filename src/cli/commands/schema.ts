import * as z from "zod";
import { environmentJsonSchema, JSON_SCHEMA_DIALECT } from "../../config/json-schema.js";
import { BackoutError } from "../../core/errors.js";
import { builtinProviders } from "../../providers/builtin.js";
import { out } from "../output.js";

/** `backout schema [kind]`: the whole file's JSON Schema, or one kind's component settings. */
export default function schema(_opts: unknown, [kind]: string[]): Promise<number> {
  const providers = builtinProviders();
  if (kind === undefined) {
    out(JSON.stringify(environmentJsonSchema(providers), null, 2));
    return Promise.resolve(0);
  }
  const provider = providers.get(kind);
  if (provider === undefined) {
    throw new BackoutError("USAGE", `unknown kind "${kind}"`, {
      hint: `Use one of: ${[...providers.keys()].join(", ")} (or no argument for the whole file).`,
    });
  }
  const settings = z.toJSONSchema(provider.settingsSchema, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
  });
  out(
    JSON.stringify(
      {
        ...settings,
        $schema: JSON_SCHEMA_DIALECT,
        title: `backout component of kind ${kind}`,
        description: provider.description,
      },
      null,
      2,
    ),
  );
  return Promise.resolve(0);
}
