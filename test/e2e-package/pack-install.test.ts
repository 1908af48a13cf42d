/**
 * The package as an embedder gets it: `npm pack`, installed into a project of its own, used
 * only through `import ... from "backout"` and its shipped types. The tarball is unpacked into
 * the project's node_modules as npm would; its dependencies are linked from this repository's
 * node_modules (the tests run offline). BACKOUT_PACK_INSTALL=npm installs it with npm instead
 * (needs the registry).
 */
import { execa } from "execa";
import { mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../e2e/cli.js";
import { CONSUMER_SOURCE } from "./consumer-source.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let work: string;
let packed: PackResult;
let project: string;

/** What `npm install <tarball>` leaves, without the registry: the package, its dependencies resolvable. */
async function installOffline(tarball: string, into: string): Promise<void> {
  const target = join(into, "node_modules/backout");
  mkdirSync(target, { recursive: true });
  await execa("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
  const manifest = JSON.parse(readFileSync(join(target, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  for (const dep of [...Object.keys(manifest.dependencies), "@types/node"]) {
    const link = join(into, "node_modules", dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(ROOT, "node_modules", dep)), link);
  }
}

beforeAll(async () => {
  work = tempDir("pack");
  const out = await execa("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
    cwd: ROOT,
  });
  const results = JSON.parse(out.stdout) as PackResult[];
  packed = results[0] as PackResult;
  project = join(work, "consumer");
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2),
  );
  const tarball = join(work, packed.filename);
  if (process.env.BACKOUT_PACK_INSTALL === "npm") {
    await execa("npm", ["install", "--no-audit", "--no-fund", tarball, "@types/node@^20"], { cwd: project });
  } else {
    await installOffline(tarball, project);
  }
  writeFileSync(join(project, "consumer.ts"), CONSUMER_SOURCE);
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: true,
        types: ["node"],
        outDir: "out",
      },
      files: ["consumer.ts"],
    }),
  );
}, 180_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("ships the built library with its types and nothing of the sources or tests", () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/cli/main.js"]));
    expect(paths.filter((p) => p.startsWith("src/") || p.startsWith("test/"))).toEqual([]);
  });

  it("type-checks a project using it, then checkpoints and rolls back through a provider defined there", async () => {
    // The shipped .d.ts must describe the API: tsc fails the build of the project otherwise.
    const compiled = await execa(process.execPath, [TSC, "-p", "tsconfig.json"], {
      cwd: project,
      reject: false,
    });
    expect(compiled.stdout + compiled.stderr).toBe("");
    expect(compiled.exitCode).toBe(0);

    const ran = await execa(process.execPath, ["out/consumer.js"], {
      cwd: project,
      reject: false,
      env: { BACKOUT_ACTIVE_ROLLBACK: "" },
    });
    expect(ran.stderr).toBe("");
    const result = JSON.parse(ran.stdout) as Record<string, unknown>;
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(result).toEqual({
      version,
      checkpoint: "v1",
      steps: ["counter#1:write-version"],
      state: "succeeded",
      after: "1",
      applied: ["counter:1"],
      caughtCode: "ROLLBACK_NOT_FOUND",
      knownCode: true,
      configCode: "CONFIG_INVALID",
      configField: expect.stringContaining("components.counter.file") as unknown,
      deepImport: "ERR_PACKAGE_PATH_NOT_EXPORTED",
    });
  });
});
