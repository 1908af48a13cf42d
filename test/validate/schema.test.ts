import { describe, expect, it } from "vitest";
import * as z from "zod";
import { checkSchema } from "../../src/validate/schema.js";

function problem(input: unknown): string {
  const r = checkSchema.safeParse(input);
  if (r.success) throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
  // zod reports a branch's own issue (with its path) when only that branch could match,
  // and our union message otherwise: both must say where and what.
  return r.error.issues.map((i) => [...i.path, i.message].join(": ")).join(" | ");
}

describe("check schema", () => {
  it("applies the defaults of an http check, in milliseconds", () => {
    expect(checkSchema.parse({ http: "http://127.0.0.1:8080/health" })).toEqual({
      http: "http://127.0.0.1:8080/health",
      expectStatus: 200,
      timeout: 5000,
      interval: 1000,
    });
  });

  it("leaves retries unset when not written: the runner applies 2, the monitor 0", () => {
    expect(checkSchema.parse({ http: "http://127.0.0.1/" })).not.toHaveProperty("retries");
    expect(checkSchema.parse({ http: "http://127.0.0.1/", retries: 3 })).toMatchObject({ retries: 3 });
  });

  it("reads durations as seconds or strings", () => {
    const c = checkSchema.parse({
      http: "https://x.example/",
      maxLatency: "500ms",
      timeout: 2,
      interval: "1m30s",
    });
    expect(c).toMatchObject({ maxLatency: 500, timeout: 2000, interval: 90_000 });
  });

  it("gives command checks a longer default timeout and keeps env", () => {
    expect(checkSchema.parse({ command: ["pg_isready"], env: { PGHOST: "db" } })).toEqual({
      command: ["pg_isready"],
      env: { PGHOST: "db" },
      timeout: 30_000,
      interval: 1000,
    });
  });

  it("accepts tcp and metric checks", () => {
    expect(checkSchema.parse({ tcp: "[::1]:6379", retries: 0 })).toMatchObject({
      tcp: "[::1]:6379",
      retries: 0,
    });
    const m = checkSchema.parse({
      name: "error ratio",
      metric: { prometheus: "http://prom:9090", query: "sum(up)", compare: ">=", threshold: 1 },
    });
    expect(m).toMatchObject({ name: "error ratio", timeout: 5000, metric: { compare: ">=", threshold: 1 } });
  });

  it("names the form and the field of the first problem", () => {
    expect(problem({ http: "http://x/", expectStatus: "200" })).toMatch(/^http check: expectStatus: /);
    expect(problem({ http: "ftp://x/" })).toContain("http: expected an http:// or https:// URL");
    expect(problem({ http: "http://x/", bodyMatch: "([" })).toContain(
      "bodyMatch must be a valid regular expression",
    );
    expect(problem({ http: "http://x/", timeout: "soon" })).toContain("timeout: expected a duration");
    expect(problem({ http: "http://x/", timeout: 0 })).toContain("must be longer than zero");
    expect(problem({ tcp: "db.internal" })).toContain('expected "host:port"');
    expect(problem({ tcp: "db:70000" })).toContain('expected "host:port"');
    expect(problem({ command: [] })).toContain("command: the command needs at least the program");
    expect(
      problem({ metric: { prometheus: "http://p:9090", query: "up", compare: "=>", threshold: 1 } }),
    ).toMatch(/^metric check: metric\.compare: /);
    expect(
      problem({ metric: { prometheus: "http://p:9090", query: "up", compare: ">", threshold: 1, step: 1 } }),
    ).toContain('metric: Unrecognized key: "step"');
  });

  it("rejects unknown fields instead of ignoring them", () => {
    expect(problem({ http: "http://x/", expect_status: 200 })).toBe('Unrecognized key: "expect_status"');
  });

  it("requires exactly one form", () => {
    expect(problem({ name: "x" })).toContain(
      'exactly one of the keys "http", "tcp", "command", "metric" or "integrity"; found none',
    );
    expect(problem({ http: "http://x/", tcp: "x:1" })).toContain('found "http" and "tcp"');
    expect(problem("http://x/")).toContain("exactly one of the keys");
  });

  it("has a JSON Schema with descriptions for editors", () => {
    const json = JSON.stringify(z.toJSONSchema(checkSchema, { io: "input", unrepresentable: "any" }));
    expect(json).toContain("HTTP status that counts as healthy");
    expect(json).toContain("Base URL of the Prometheus server");
  });
});
