import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

  it("documents every exit code the CLI defines", async () => {
    const { EXIT } = await import("../src/cli/exit-codes.js");
    for (const code of Object.values(EXIT)) expect(readme).toMatch(new RegExp(`^\\| ${code}\\s+\\|`, "m"));
  });
});
