/**
 * The package's bin is the esbuild bundle (dist/cli-bundle/backout.js), with commander, zod,
 * yaml and semver bundled in; the other e2e tests run tsc's module tree. Both must say the same:
 * the exported JSON Schema, configuration errors (zod's messages), help, plan and status.
 */
import { execa } from "execa";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI, commandComponent, tempDir, writeStepScripts } from "./cli.js";

const BUNDLE = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli-bundle/backout.js");

async function both(args: string[], cwd: string) {
  const run = async (bin: string) => {
    const r = await execa(process.execPath, [bin, ...args], {
      cwd,
      env: { BACKOUT_ACTIVE_ROLLBACK: "" },
      reject: false,
      stdin: "ignore",
    });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  return { tsc: await run(CLI), bundle: await run(BUNDLE) };
}

describe("the bundled CLI", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("bundle");
    writeStepScripts(dir);
    writeFileSync(join(dir, "state", "api"), "v1");
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1\nenvironment: bundle\ncomponents:\n${commandComponent(dir, "api", [])}`,
    );
    writeFileSync(
      join(dir, "bad.yaml"),
      `version: 1\nenvironment: bundle\npolicies:\n  concurrency: 0\ncomponents:\n  api:\n    kind: comand\n`,
    );
  });

  it("exports the same JSON Schema, whole and per kind", async () => {
    for (const args of [["schema"], ["schema", "postgres"], ["schema", "command"]]) {
      const { tsc, bundle } = await both(args, dir);
      expect(tsc.exitCode, args.join(" ")).toBe(0);
      expect(bundle).toEqual(tsc);
      expect(JSON.parse(bundle.stdout)).toMatchObject({ $schema: expect.any(String) as string });
    }
  });

  it("reports a configuration error in the same words", async () => {
    const { tsc, bundle } = await both(["plan", "--config", "bad.yaml"], dir);
    expect(tsc.exitCode).toBe(2);
    expect(tsc.stderr).toContain("comand");
    expect(bundle).toEqual(tsc);
  });

  it("prints the same help, plan and status", async () => {
    expect((await both(["checkpoint", "--good", "--name", "v1"], dir)).tsc.exitCode).toBe(0);
    writeFileSync(join(dir, "state", "api"), "v2");
    for (const args of [["--help"], ["plan"], ["status"], ["status", "--json"]]) {
      const { tsc, bundle } = await both(args, dir);
      expect(tsc.exitCode, args.join(" ")).toBe(0);
      expect(bundle, args.join(" ")).toEqual(tsc);
    }
  });
});
