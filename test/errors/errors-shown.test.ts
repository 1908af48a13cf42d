/**
 * Every error shows what it knows (issue 13): all the problems of a file, a misindented key in
 * the file's terms, the details a hint points at, a code and a fix for an unreachable database,
 * a `schema KIND` that exists, and a tool's full error line in the progress output.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatEventLine } from "../../src/cli/progress/event-line.js";
import { cli, tempDir } from "../e2e/cli.js";
import { freePort } from "../support/free-port.js";

function project(yaml: string): string {
  const dir = tempDir("errors");
  writeFileSync(join(dir, "backout.yaml"), yaml);
  return dir;
}

describe("errors show everything", () => {
  it("a file with three problems shows all three, like a compiler, and --json lists them", async () => {
    const cwd = project(
      [
        "version: 1",
        "environment: t",
        "policies:",
        "  retry: { maxAttempts: 11 }",
        "components:",
        "  web:",
        "    kind: release",
        "    path: 5",
        "    dependsOn: [nope]",
        "",
      ].join("\n"),
    );
    const r = await cli(["plan"], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).not.toContain("more)");
    expect(r.stderr).toContain("error[CONFIG_INVALID]: policies.retry.maxAttempts must be at most 10");
    expect(r.stderr).toContain("backout.yaml:8:11, field components.web.path");
    expect(r.stderr).toContain('error[CONFIG_UNKNOWN_DEPENDENCY]: components.web.dependsOn names "nope"');
    expect(r.stderr).toContain("3 problems found.");
    expect(r.stderr.match(/^ {2}fix: /gm)).toHaveLength(3);
    const json = await cli(["plan", "--json"], { cwd });
    const parsed = JSON.parse(json.stdout) as {
      error: { message: string; details: { problems: unknown[] } };
    };
    expect(parsed.error.message).not.toContain("more)");
    expect(parsed.error.details.problems).toHaveLength(3);
  });

  it("a key indented deeper than its sibling is explained with its line and the expected column", async () => {
    const cwd = project(
      [
        "version: 1",
        "environment: t",
        "components:",
        "  web:",
        "    kind: release",
        "     path: /srv",
        "",
      ].join("\n"),
    );
    const r = await cli(["plan"], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      'error[CONFIG_YAML]: "path:" on line 6 is indented deeper (column 6) than "kind:" on line 5 (column 5)',
    );
    expect(r.stderr).toContain("backout.yaml:6:6");
    expect(r.stderr).toContain('start "path:" at column 5');
    expect(r.stderr).not.toContain("compact mappings");
  });

  it("a key indented less than its siblings names the column its mapping uses", async () => {
    const cwd = project(
      [
        "version: 1",
        "environment: t",
        "components:",
        "  web:",
        "    kind: release",
        "   path: /srv",
        "",
      ].join("\n"),
    );
    const r = await cli(["plan", "--json"], { cwd });
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string; where: object } }).error;
    expect(error.code).toBe("CONFIG_YAML");
    expect(error.message).toBe(
      '"path:" on line 6 starts at column 4, not where the keys of its mapping start (column 5, like "kind:" on line 5)',
    );
    expect(error.where).toMatchObject({ line: 6, column: 4 });
  });

  it("nginx: the example a hint points at is printed, in text and in --json", async () => {
    const cwd = project(
      [
        "version: 1",
        "environment: t",
        "components:",
        "  edge:",
        "    kind: nginx",
        "    config: nginx.conf",
        "    include: backout/edge.conf",
        "    upstream: app_pool",
        '    pools: { blue: ["127.0.0.1:8081"] }',
        '    probe: { url: "http://127.0.0.1:1/" }',
        "",
      ].join("\n"),
    );
    const r = await cli(["checkpoint"], { cwd });
    expect(r.stderr).toContain("details.example");
    expect(r.stderr).toMatch(/details\.example:\n {4}# Managed by backout/);
    expect(r.stderr).toContain("    upstream app_pool {\n        server 127.0.0.1:8081;");
    const json = await cli(["checkpoint", "--json"], { cwd });
    const text = JSON.stringify(JSON.parse(json.stdout));
    expect(text).toContain("upstream app_pool {");
  });

  it("drill and archive against an unreachable PostgreSQL: a code and a fix, not INTERNAL ECONNREFUSED", async () => {
    const port = await freePort();
    const cwd = project(
      [
        "version: 1",
        "environment: t",
        "components:",
        "  db:",
        "    kind: postgres",
        `    url: postgres://app:pw-secret@127.0.0.1:${port}/app`,
        "    migrations: db",
        "    format: dbmate",
        "",
      ].join("\n"),
    );
    mkdirSync(join(cwd, "db"));
    for (const args of [["drill"], ["archive", "list"]]) {
      const r = await cli(args, { cwd });
      expect(r.stderr, args.join(" ")).not.toContain("INTERNAL");
      expect(r.stderr, args.join(" ")).toContain(`cannot connect to PostgreSQL at 127.0.0.1:${port}`);
      expect(r.stderr, args.join(" ")).toMatch(/\n {2}fix: \S/);
      expect(r.stderr).not.toContain("pw-secret");
    }
  });

  it("the settings hint names `backout schema KIND`, and that command exists", async () => {
    const { readProviderSettings } = await import("../../src/core/provider-settings.js");
    const { releaseSettingsSchema } = await import("../../src/providers/release/settings.js");
    let hint = "";
    try {
      readProviderSettings(releaseSettingsSchema(), "release", {
        component: { name: "web", kind: "release", settings: {} },
        redact: (t: string) => t,
      } as never);
    } catch (e) {
      hint = (e as { hint: string }).hint;
    }
    expect(hint).toContain("`backout schema release`");
    const r = await cli(["schema", "release"], { cwd: tempDir("schema") });
    expect(r.exitCode).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toContain("path");
    expect((await cli(["schema", "nope"], { cwd: tempDir("schema") })).exitCode).toBe(2);
  });

  it("a failed step shows the tool's whole error line, however long the message before it", () => {
    const nginxLine =
      'nginx: [emerg] invalid port in upstream "127.0.0.1:99999" in /very/long/path/to/an/nginx/prefix/directory/backout/edge.conf:4';
    const message = `nginx -t rejected the configuration for pool green; previous include restored, nginx not reloaded:\n${nginxLine}\nnginx: configuration file /very/long/path/nginx.conf test failed`;
    const line = formatEventLine({
      rollbackId: "rb",
      seq: 3,
      at: 0,
      event: {
        type: "step-failed",
        stepId: "edge#1:switch-pool",
        attempt: 1,
        willRetry: false,
        error: { code: "PROVIDER_FAILED", message, retryable: false },
      },
    } as never);
    expect(line).toContain(nginxLine);
    expect(line).toContain("test failed; giving up");
  });
});
