import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadEnvironment } from "../src/config/load.js";
import { Redactor } from "../src/config/redactor.js";
import { builtinProviders } from "../src/providers/index.js";
import { tempDir } from "./e2e/cli.js";

/** The README is part of the product: its environment file example must load as written. */
describe("README", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

  it("the backout.yaml example is a valid environment file, and its secret is redacted", () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(yaml).toBeDefined();
    const file = join(tempDir("readme"), "backout.yaml");
    writeFileSync(file, yaml ?? "");
    const redactor = new Redactor();
    const config = loadEnvironment(file, {
      providers: builtinProviders(),
      redactor,
      env: { PAGER_TOKEN: "pager-token-value" },
    });
    expect(config.components.map((c) => c.name)).toEqual(["web", "api", "jobs"]);
    expect(config.policies.timeLimitMs).toBe(15 * 60_000);
    expect(redactor.redact("token pager-token-value")).toBe("token ***");
  });

  it("the alert-driven rollback examples load: triggers in backout.yaml, and Alertmanager's own check", () => {
    const section = readme.slice(readme.indexOf("### Alert-driven rollback"));
    const [triggers, alertmanager] = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
    const dir = tempDir("readme-alerts");
    const file = join(dir, "backout.yaml");
    writeFileSync(
      file,
      `version: 1\nenvironment: prod\n${triggers ?? ""}watch:\n  checks: [{ command: [/bin/true] }]\n` +
        "components:\n  api: { kind: command, capture: [/bin/echo, v1], apply: [/bin/true] }\n",
    );
    const config = loadEnvironment(file, { providers: builtinProviders(), redactor: new Redactor() });
    expect(config.triggers?.map((t) => [t.name, t.action, t.match.map((m) => m.text)])).toEqual([
      ["api-errors", "rollback", ['alertname="HighErrorRate"', 'severity=~"page|critical"']],
      ["latency", "watch", ['alertname="SlowRequests"']],
    ]);
    expect(config.serve?.autoRollback).toEqual({ maxRollbacks: 3, windowMs: 3_600_000 });
    const amFile = join(dir, "alertmanager.yml");
    writeFileSync(amFile, alertmanager ?? "");
    // amtool ships with the Debian package prometheus-alertmanager (scripts/setup installs it).
    const out = execFileSync("/usr/bin/amtool", ["check-config", amFile], { encoding: "utf8" });
    expect(out).toContain("SUCCESS");
  });

  it("documents every exit code the CLI defines", async () => {
    const { EXIT } = await import("../src/cli/exit-codes.js");
    for (const code of Object.values(EXIT)) expect(readme).toMatch(new RegExp(`^\\| ${code}\\s+\\|`, "m"));
  });

  it("links only inside the repository, to documents that exist, and has no stale promises", () => {
    const repo = fileURLToPath(new URL("..", import.meta.url));
    const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1] ?? "");
    expect(readme).not.toContain("../shared");
    expect(readme).not.toContain("to come");
    expect(links).toContain("docs/architecture.md");
    expect(links).toContain("docs/playbooks.md");
    for (const link of links.filter((l) => !/^https?:/.test(l))) {
      expect(link.startsWith("..")).toBe(false);
      expect(() => readFileSync(join(repo, link.split("#")[0] ?? ""), "utf8")).not.toThrow();
    }
  });

  it("the quick start on your own system runs verbatim, and plan finds nothing to roll back", () => {
    const block = /### Quick start on your own system[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    // Inside the repository, so `npx backout` finds this package (built by `npm test`) and
    // never asks the registry; removed afterwards.
    const repo = fileURLToPath(new URL("..", import.meta.url));
    const dir = mkdtempSync(join(repo, ".readme-quickstart-"));
    try {
      const output = execFileSync("bash", ["-euo", "pipefail", "-c", block ?? "false"], {
        cwd: dir,
        env: { ...withoutConfig(process.env), DATABASE_URL: "", REDIS_URL: "" },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(readFileSync(join(dir, "backout.yaml"), "utf8")).toContain("kind: release");
      expect(output).toMatch(/nothing to roll back|no steps/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("README saved plans", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

  it("the saved-plan flow runs verbatim: plan --out, then run --plan rolls the release back", () => {
    const block = /## Saved plans[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(block).toContain("plan --out rollback.json");
    expect(block).toContain("run --plan rollback.json");
    const repo = fileURLToPath(new URL("..", import.meta.url));
    const dir = mkdtempSync(join(repo, ".readme-saved-plan-"));
    try {
      const output = execFileSync("bash", ["-euo", "pipefail", "-c", block ?? "false"], {
        cwd: dir,
        env: { ...withoutConfig(process.env), DATABASE_URL: "", REDIS_URL: "" },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(output.trimEnd().split("\n").pop()).toBe("releases/v1");
      const saved = JSON.parse(readFileSync(join(dir, "rollback.json"), "utf8")) as {
        plan: { steps: unknown[] };
      };
      expect(saved.plan.steps).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function withoutConfig(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.BACKOUT_CONFIG;
  return copy;
}
