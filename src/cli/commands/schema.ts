import { environmentJsonSchema } from "../../config/json-schema.js";
import { builtinProviders } from "../../providers/index.js";
import { out } from "../output.js";

export default function schema(): Promise<number> {
  out(JSON.stringify(environmentJsonSchema(builtinProviders()), null, 2));
  return Promise.resolve(0);
}
