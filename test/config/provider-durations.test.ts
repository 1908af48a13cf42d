/**
 * One duration type for every setting: each provider's timeouts and intervals take the core's
 * durations ("30s", "5m", "1h30m") and, for configurations written before, a bare number of
 * seconds; the JSON Schema export says so. A value is kept as written, so the provider's second
 * parse (readSettings) reads it the same way.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { durationMs } from "../../src/config/durations.js";
import { environmentJsonSchema } from "../../src/config/json-schema.js";
import { builtinProviders } from "../../src/providers/index.js";

type Json = Record<string, unknown>;

/** Every property of a JSON Schema named like a timeout or an interval, by dotted path. */
function durationFields(schema: Json, path = ""): [string, Json][] {
  const found: [string, Json][] = [];
  const props = (schema.properties ?? {}) as Record<string, Json>;
  for (const [key, sub] of Object.entries(props)) {
    const at = path ? `${path}.${key}` : key;
    if (/(timeout|interval|estimate)$/i.test(key)) found.push([at, sub]);
    found.push(...durationFields(sub, at));
    for (const alt of (sub.anyOf ?? []) as Json[]) found.push(...durationFields(alt, at));
  }
  return found;
}

const providers = [...builtinProviders().values()];

describe("provider duration settings", () => {
  it("every timeout and interval of every provider accepts a duration string and a number of seconds", () => {
    let seen = 0;
    for (const p of providers) {
      const json = z.toJSONSchema(p.settingsSchema, { io: "input", unrepresentable: "any" }) as Json;
      for (const [field, sub] of durationFields(json)) {
        seen++;
        const forms = ((sub.anyOf ?? []) as Json[]).map((f) => f.type);
        expect(forms, `${p.kind}.${field}`).toEqual(["number", "string"]);
        const text = ((sub.anyOf ?? []) as Json[])[1];
        expect(new RegExp(String(text?.pattern)).test("1h30m"), `${p.kind}.${field}`).toBe(true);
      }
    }
    // release 3, nginx 3, redis 2, haproxy, file, git, command 2, postgres 2
    expect(seen).toBeGreaterThanOrEqual(15);
  });

  it('reads "2m", 90 and "1.5s" the same way on the loader\'s parse and the provider\'s second one', () => {
    const command = builtinProviders().get("command")!;
    for (const [timeout, ms] of [
      ["2m", 120_000],
      [90, 90_000],
      ["1.5s", 1_500],
    ] as const) {
      const once = command.settingsSchema.parse({ capture: ["v"], apply: ["a"], timeout }) as Json;
      const twice = command.settingsSchema.parse(once) as Json;
      expect(twice).toEqual(once);
      expect(durationMs(twice.timeout as string | number)).toBe(ms);
    }
  });

  it("refuses zero where it means nothing, negatives, nonsense and more than 7 days, naming the field", () => {
    const nginx = builtinProviders().get("nginx")!;
    const base = { config: "n.conf", include: "i.conf", upstream: "app", pools: { blue: ["127.0.0.1:1"] } };
    const probe = { url: "http://127.0.0.1/" };
    for (const [field, value, says] of [
      ["timeout", "0s", "longer than zero"],
      ["timeout", -1, "negative"],
      ["timeout", "5 minutes", "duration"],
      ["timeout", "8d", "7 days"],
    ] as const) {
      const r = nginx.settingsSchema.safeParse({ ...base, probe, [field]: value });
      expect(r.success, `${field}: ${value}`).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual([field]);
      expect(r.error?.issues[0]?.message).toContain(says);
    }
    // An interval of zero is allowed: probe again at once.
    expect(nginx.settingsSchema.safeParse({ ...base, probe: { ...probe, interval: 0 } }).success).toBe(true);
  });

  it("the JSON Schema export shows the defaults as durations", () => {
    const schema = environmentJsonSchema(builtinProviders());
    const branches = ((schema.properties as Json).components as Json).additionalProperties as Json;
    const nginx = (branches.oneOf as Json[]).find(
      (b) => ((b.properties as Json).kind as Json).const === "nginx",
    )!;
    const props = nginx.properties as Record<string, Json>;
    expect(props.timeout).toMatchObject({ default: "30s" });
    expect(((props.probe?.properties ?? {}) as Record<string, Json>).interval).toMatchObject({
      default: "250ms",
    });
  });
});
