import { describe, expect, it } from "vitest";
import { environmentJsonSchema } from "../../src/config/json-schema.js";
import { testRegistry } from "./fixtures.js";

type Json = Record<string, unknown>;

function at(schema: Json, ...keys: string[]): Json {
  let cur: unknown = schema;
  for (const k of keys) cur = (cur as Json)[k];
  return cur as Json;
}

describe("environmentJsonSchema", () => {
  const schema = environmentJsonSchema(testRegistry());

  it("is a titled draft 2020-12 schema of the input side", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(typeof schema.title).toBe("string");
    expect(schema.required).toEqual(["version", "environment", "components"]);
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it("has one branch per kind with that kind's own fields", () => {
    const branches = at(
      schema,
      "properties",
      "components",
      "additionalProperties",
      "oneOf",
    ) as unknown as Json[];
    const byKind = new Map(branches.map((b) => [at(b, "properties", "kind").const, b]));
    expect([...byKind.keys()]).toEqual(["release", "command"]);
    expect(at(byKind.get("release") ?? {}, "properties", "path")).toMatchObject({ type: "string" });
    expect(byKind.get("release")?.required).toEqual(["kind", "path"]);
    expect(at(byKind.get("command") ?? {}, "properties", "apply")).toMatchObject({ type: "array" });
    expect(byKind.get("command")?.additionalProperties).toBe(false);
  });

  it("documents the policies with their defaults as written in the file", () => {
    const policies = at(schema, "properties", "policies", "properties");
    expect(Object.keys(policies)).toEqual([
      "concurrency",
      "retry",
      "timeLimit",
      "dataLoss",
      "lock",
      "escalation",
      "emergency",
      "notifications",
    ]);
    expect(policies.concurrency).toMatchObject({ type: "integer", default: 4, minimum: 1, maximum: 256 });
    expect(policies.timeLimit).toMatchObject({ default: "15m" });
    expect(at(policies, "timeLimit").description).toEqual(expect.any(String));
    expect(at(policies, "dataLoss").enum).toEqual(["confirm", "archive", "refuse"]);
    expect(at(policies, "retry", "properties", "initialInterval")).toMatchObject({ default: "1s" });
  });
});
