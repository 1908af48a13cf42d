import { describe, expect, it } from "vitest";
import { formatError } from "../../src/core/errors.js";
import { loadError, yaml } from "./fixtures.js";

const HEAD = ["version: 1", "environment: prod", "components:"];

describe("loadEnvironment: rejected files name the file, line, column and field", () => {
  it("YAML syntax error", () => {
    const { file, error } = loadError(yaml("version: 1", "environment: prod: x", "components: {}"));
    expect(error.code).toBe("CONFIG_YAML");
    expect(error.where).toEqual({ file, line: 2, column: 14 });
    expect(error.message).toContain("Nested mappings are not allowed");
  });

  it("unknown kind, with the known kinds and a suggestion", () => {
    const { file, error } = loadError(yaml(...HEAD, "  api:", "    kind: relase", "    path: /x"));
    expect(error.code).toBe("CONFIG_UNKNOWN_KIND");
    expect(error.where).toEqual({
      file,
      line: 5,
      column: 11,
      field: "components.api.kind",
      component: "api",
    });
    expect(error.message).toContain('did you mean "release"?');
    expect(error.hint).toBe("use one of the kinds: release, command");
  });

  it("missing kind is a missing field, not an unknown kind", () => {
    const { error } = loadError(yaml(...HEAD, "  api:", "    path: /x"));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.where).toMatchObject({ line: 4, column: 3, field: "components.api.kind" });
    expect(error.message).toContain("components.api.kind is missing");
  });

  it("unknown dependency points at the list item", () => {
    const { file, error } = loadError(
      yaml(
        ...HEAD,
        "  api:",
        "    kind: release",
        "    path: /x",
        "    dependsOn: [db, dbb]",
        "  db:",
        "    kind: command",
        "    apply: [x]",
      ),
    );
    expect(error.code).toBe("CONFIG_UNKNOWN_DEPENDENCY");
    expect(error.where).toEqual({
      file,
      line: 7,
      column: 21,
      field: "components.api.dependsOn[1]",
      component: "api",
    });
    expect(error.message).toContain('"dbb"');
    expect(error.hint).toContain('Did you mean "db"?');
  });

  it("unknown component in a compatibility rule", () => {
    const { error } = loadError(
      yaml(
        ...HEAD,
        "  api:",
        "    kind: release",
        "    path: /x",
        "    compatibility:",
        "      - when: <2.0.0",
        "        requires: { db: <=41 }",
      ),
    );
    expect(error.code).toBe("CONFIG_UNKNOWN_DEPENDENCY");
    expect(error.where).toMatchObject({
      line: 9,
      column: 21,
      field: "components.api.compatibility[0].requires.db",
    });
  });

  it("dependency cycle names the cycle and points at its first component", () => {
    const { file, error } = loadError(
      yaml(
        ...HEAD,
        "  a:",
        "    kind: release",
        "    path: /x",
        "    dependsOn: [b]",
        "  b:",
        "    kind: command",
        "    apply: [x]",
        "    dependsOn: [c]",
        "  c:",
        "    kind: command",
        "    apply: [x]",
        "    dependsOn: [a]",
      ),
    );
    expect(error.code).toBe("CONFIG_CYCLE");
    expect(error.message).toContain("a → b → c → a");
    expect(error.where).toEqual({ file, line: 4, column: 3, field: "components.a", component: "a" });
  });

  it("a component depending on itself is a cycle", () => {
    const { error } = loadError(
      yaml(...HEAD, "  a:", "    kind: release", "    path: /x", "    dependsOn: [a]"),
    );
    expect(error.code).toBe("CONFIG_CYCLE");
    expect(error.message).toContain("a → a");
  });

  it("missing required field points at its parent's key", () => {
    const { file, error } = loadError(yaml(...HEAD, "  api:", "    kind: release", "    dependsOn: []"));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.where).toEqual({ file, line: 4, column: 3, field: "components.api.path", component: "api" });
    expect(error.message).toBe("components.api.path is missing (expected a string)");
    expect(error.hint).toBe('add "path:" under components.api');
  });

  it("a webhook channel without its secret says the secret is missing, not 'Invalid input'", () => {
    const { error } = loadError(
      yaml(
        ...HEAD,
        "  api: { kind: release, path: /x }",
        "notifications:",
        "  - webhook: http://127.0.0.1:9/hook",
      ),
    );
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.where).toMatchObject({ field: "notifications[0].secret" });
    expect(error.message).toContain("notifications[0].secret is missing");
    expect(error.message).not.toContain("Invalid input");
  });

  it("missing top-level field", () => {
    const { error } = loadError(
      yaml("environment: prod", "components:", "  api: { kind: release, path: /x }"),
    );
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.where).toMatchObject({ line: 1, column: 1, field: "version" });
    expect(error.hint).toBe('add "version:" at the top level');
  });

  it("wrong type says expected and got", () => {
    const { file, error } = loadError(
      yaml(
        "version: 1",
        "environment: prod",
        "policies:",
        "  concurrency: lots",
        "components:",
        "  api: { kind: release, path: /x }",
      ),
    );
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.where).toEqual({ file, line: 4, column: 16, field: "policies.concurrency" });
    expect(error.message).toBe('policies.concurrency must be a number, not "lots"');
  });

  it("wrong type inside a list", () => {
    const { error } = loadError(
      yaml(
        ...HEAD,
        "  api:",
        "    kind: release",
        "    path: /x",
        "    dependsOn: [db, 5]",
        "  db: { kind: command, apply: [x] }",
      ),
    );
    expect(error.where).toMatchObject({ line: 7, column: 21, field: "components.api.dependsOn[1]" });
    expect(error.message).toBe("components.api.dependsOn[1] must be a string, not 5");
  });

  it("unknown key points at the key and suggests the right one", () => {
    const { file, error } = loadError(
      yaml(...HEAD, "  api:", "    kind: release", "    path: /x", "    dependOn: [db]"),
    );
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.where).toEqual({
      file,
      line: 7,
      column: 5,
      field: "components.api.dependOn",
      component: "api",
    });
    expect(error.message).toBe('unknown field "dependOn" under components.api');
    expect(error.hint).toContain('Did you mean "dependsOn"?');
    expect(error.hint).toContain(
      "Allowed fields: kind, layer, dependsOn, compatibility, dataLoss, checks, path.",
    );
  });

  it("unknown top-level key", () => {
    const { error } = loadError(
      yaml(
        "version: 1",
        "environment: prod",
        "polices: {}",
        "components:",
        "  api: { kind: release, path: /x }",
      ),
    );
    expect(error.where).toMatchObject({ line: 3, column: 1, field: "polices" });
    expect(error.hint).toContain('Did you mean "policies"?');
  });

  it("bad duration and bad enum value", () => {
    const { error } = loadError(
      yaml(
        "version: 1",
        "environment: prod",
        "policies:",
        "  timeLimit: soon",
        "  dataLoss: archiv",
        "components:",
        "  api: { kind: release, path: /x }",
      ),
    );
    const problems = error.details?.problems as { message: string; hint: string; where: { line: number } }[];
    expect(problems.map((p) => p.where.line)).toEqual([4, 5]);
    expect(problems[0]?.message).toContain(
      'expected a duration: a number of seconds, or a string like "500ms"',
    );
    expect(problems[1]?.hint).toContain('Did you mean "archive"?');
  });

  it("invalid component name points at the name", () => {
    const { error } = loadError(yaml(...HEAD, "  my api:", "    kind: release", "    path: /x"));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.where).toMatchObject({ line: 4, column: 3, component: "my api" });
  });

  it("an empty file is explained", () => {
    const { error } = loadError("");
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain("must be a mapping with version, environment and components");
  });

  it("no components at all", () => {
    const { error } = loadError(yaml("version: 1", "environment: prod", "components: {}"));
    expect(error.where).toMatchObject({ line: 3, column: 13, field: "components" });
    expect(error.message).toContain("at least one component");
  });

  it("several problems: the first in file order, all in details (the CLI prints them all)", () => {
    const { error } = loadError(
      yaml(
        "version: 1",
        "environment: prod",
        "policies:",
        "  retry: { maxAttempts: 11 }",
        "components:",
        "  api:",
        "    kind: release",
        "    path: 5",
        "    dependsOn: [nope]",
      ),
    );
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.where).toMatchObject({ line: 4, column: 25, field: "policies.retry.maxAttempts" });
    expect(error.message).toBe("policies.retry.maxAttempts must be at most 10 (got 11)");
    const problems = error.details?.problems as { code: string; where: { field: string } }[];
    expect(problems.map((p) => [p.code, p.where.field])).toEqual([
      ["CONFIG_INVALID", "policies.retry.maxAttempts"],
      ["CONFIG_INVALID", "components.api.path"],
      ["CONFIG_UNKNOWN_DEPENDENCY", "components.api.dependsOn[0]"],
    ]);
    expect(formatError(error)).toContain(`backout.yaml:4:25, field policies.retry.maxAttempts`);
  });
});
