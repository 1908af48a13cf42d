/**
 * The fields a mapping in backout.yaml may have, found by walking the zod schema along
 * a path. Used to say "allowed fields: ..." and "did you mean ...?" for unknown keys.
 */
import * as z from "zod";
import type { FieldPath } from "./locate.js";

type Schema = z.ZodType;

/** The plain value at `path` in parsed YAML data. */
export function valueAt(data: unknown, path: FieldPath): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

/** Strips wrappers (defaults, optionals, transforms) down to the schema that checks the shape. */
function unwrap(schema: Schema, data: unknown): Schema {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) {
      s = s.unwrap() as Schema;
    } else if (s instanceof z.ZodPipe) {
      s = s.in as Schema;
    } else if (s instanceof z.ZodDiscriminatedUnion) {
      // The branch whose discriminator matches what the file says.
      const disc = s.def.discriminator;
      const value =
        data !== null && typeof data === "object" ? (data as Record<string, unknown>)[disc] : undefined;
      const branch = (s.options as Schema[]).find(
        (o) =>
          o instanceof z.ZodObject &&
          (o.shape as Record<string, Schema | undefined>)[disc]?.safeParse(value).success === true,
      );
      if (branch === undefined) return s;
      s = branch;
    } else if (s instanceof z.ZodUnion) {
      // Command specs: the object form is the one with fields.
      const obj = (s.options as Schema[]).find((o) => o instanceof z.ZodObject);
      if (obj === undefined) return s;
      s = obj;
    } else {
      return s;
    }
  }
}

/** Allowed keys of the mapping at `path` (empty when it is not a fixed-field mapping). */
export function allowedKeys(schema: Schema, data: unknown, path: FieldPath): string[] {
  let s = unwrap(schema, data);
  for (const [i, seg] of path.entries()) {
    const here = valueAt(data, path.slice(0, i + 1));
    if (s instanceof z.ZodObject) {
      const next = (s.shape as Record<string, Schema | undefined>)[String(seg)];
      if (next === undefined) return [];
      s = unwrap(next, here);
    } else if (s instanceof z.ZodRecord) {
      s = unwrap(s.def.valueType as Schema, here);
    } else if (s instanceof z.ZodArray) {
      s = unwrap(s.element as Schema, here);
    } else {
      return [];
    }
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}
