/**
 * The package's bin is the esbuild bundle (dist/cli-bundle/backout.js), with commander, zod,
 * yaml and semver bundled in; the other e2e tests run tsc's module tree. Both must say the same:
 * the exported JSON Schema, configuration errors (zod's messages), help, plan and status.
 */
import { execa } from "execa";
import { build } from "esbuild";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI, commandComponent, tempDir, writeStepScripts } from "./cli.js";

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist");
const BUNDLE = join(DIST, "cli-bundle", "backout.js");

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

  // The bundle reads no source map at start; a stack, when one is formatted, still names the sources.
  it("maps a stack trace to the TypeScript source when it is formatted", async () => {
    const src = join(dir, "thrower.ts");
    writeFileSync(src, 'export function boom(): never {\n  throw new Error("boom");\n}\n');
    const out = join(dir, "thrower.js");
    await build({ entryPoints: [src], outfile: out, format: "esm", sourcemap: true, logLevel: "error" });
    const lazy = pathToFileURL(join(DIST, "cli", "lazy-source-maps.js")).href;
    const script = `import { mapStackTracesLazily } from ${JSON.stringify(lazy)};
mapStackTracesLazily();
const m = await import(${JSON.stringify(pathToFileURL(out).href)});
try { m.boom(); } catch (e) { console.log(e.stack); }`;
    const r = await execa(process.execPath, ["--input-type=module", "-e", script], { reject: false });
    expect(r.stdout).toMatch(/^Error: boom\n {4}at (Module\.)?boom \(file:\/\/.*\/thrower\.ts:2:9\)/);
    expect(r.stdout).not.toContain("thrower.js");
  });
});
