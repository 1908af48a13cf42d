/**
 * The package's bin is the esbuild bundle (dist/cli-bundle/backout.js running backout-cli.js
 * through V8's code cache), with commander, zod, yaml and semver bundled in; the other e2e tests
 * run tsc's module tree. Both must say the same: the exported JSON Schema, configuration errors
 * (zod's messages), help, plan, status and doctor (which loads pg from node_modules), whatever
 * state the code cache is in; and the bundle must serve the dashboard's files.
 */
import { execa } from "execa";
import { isAscii } from "node:buffer";
import { build } from "esbuild";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { compileCacheEnv } from "../support/compile-cache-env.js";
import { freePort } from "../support/free-port.js";
import { until } from "../support/until.js";
import { CLI, commandComponent, tempDir, writeStepScripts } from "./cli.js";

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist");
const BUNDLE = join(DIST, "cli-bundle", "backout.js");

async function both(args: string[], cwd: string, env: Record<string, string> = {}) {
  const run = async (bin: string) => {
    const r = await execa(process.execPath, [bin, ...args], {
      cwd,
      env: { BACKOUT_ACTIVE_ROLLBACK: "", ...compileCacheEnv(), ...env },
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

  it("is strict ASCII code: strict as its ES-module sources assume, ASCII for the loader's fast read", () => {
    for (const name of ["backout-cli.js", "service-ctl.js"]) {
      const bytes = readFileSync(join(DIST, "cli-bundle", name));
      expect(bytes.toString("latin1").startsWith('"use strict";'), name).toBe(true);
      expect(isAscii(bytes), name).toBe(true);
    }
  });

  it("keeps V8's code cache per command, and says the same whatever state the cache is in", async () => {
    const cache = tempDir("bundle-cache");
    const env = { BACKOUT_COMPILE_CACHE: cache };
    const status = async () => {
      const { tsc, bundle } = await both(["status"], dir, env);
      expect(tsc.exitCode).toBe(0);
      expect(bundle).toEqual(tsc);
    };
    await status();
    const files = readdirSync(cache);
    expect(files).toEqual([
      expect.stringMatching(/^[0-9a-f]{16}-node[\d.]+-\w+(-[0-9a-f]{8})?-status\.v8$/) as string,
    ]);
    const file = join(cache, files[0] ?? "");
    const written = readFileSync(file);
    expect(written.length).toBeGreaterThan(10_000);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Accepted: left as it is.
    const mtime = statSync(file).mtimeMs;
    await status();
    expect(statSync(file).mtimeMs).toBe(mtime);

    // Refused by V8 (not a cache at all): compiled as without one, then replaced.
    writeFileSync(file, Buffer.alloc(written.length, 7));
    await status();
    expect(readFileSync(file).subarray(0, 64)).not.toEqual(Buffer.alloc(64, 7));

    // Writable by others: not trusted, not read, replaced by one of this user's own.
    chmodSync(file, 0o666);
    await status();
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Nowhere to write it: the command does not notice.
    writeFileSync(join(cache, "not-a-dir"), "");
    const { tsc, bundle } = await both(["status"], dir, { BACKOUT_COMPILE_CACHE: join(cache, "not-a-dir") });
    expect(bundle).toEqual(tsc);

    // Off: nothing written, not even under the home directory.
    const home = tempDir("bundle-home");
    await both(["status"], dir, { BACKOUT_COMPILE_CACHE: "off", HOME: home, XDG_CACHE_HOME: home });
    expect(readdirSync(home)).toEqual([]);
  });

  it("loads a package it leaves in node_modules (pg) when a command needs it", async () => {
    const port = await freePort();
    mkdirSync(join(dir, "db"), { recursive: true });
    writeFileSync(
      join(dir, "pg.yaml"),
      `version: 1\nenvironment: bundle\ncomponents:\n  db:\n    kind: postgres\n    url: postgres://nobody@127.0.0.1:${port}/none\n    migrations: db\n`,
    );
    const { tsc, bundle } = await both(["doctor", "--config", "pg.yaml"], dir);
    expect(tsc.stdout + tsc.stderr).toContain("ECONNREFUSED");
    expect(bundle).toEqual(tsc);
  });

  it("serves the dashboard's files", async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, "serve.yaml"),
      `version: 1\nenvironment: bundle\nserve:\n  tokens:\n    - { name: vera, env: T_VIEWER, roles: [viewer] }\ncomponents:\n${commandComponent(dir, "api", [])}`,
    );
    const proc = execa(
      process.execPath,
      [BUNDLE, "serve", "--config", "serve.yaml", "--listen", `127.0.0.1:${port}`],
      {
        cwd: dir,
        env: { T_VIEWER: "viewer-token-0123456789abcdef", BACKOUT_ACTIVE_ROLLBACK: "", ...compileCacheEnv() },
        reject: false,
        stdin: "ignore",
      },
    );
    try {
      let page = "";
      await until("the bundled server answers /ui/", async () => {
        const r = await fetch(`http://127.0.0.1:${port}/ui/`).catch(() => undefined);
        if (r?.status === 200) page = await r.text();
        return page !== "";
      });
      expect(page).toContain("<html");
      const app = await fetch(`http://127.0.0.1:${port}/ui/app.js`);
      expect(app.status).toBe(200);
      expect(await app.text()).toBe(readFileSync(join(DIST, "serve/dashboard/assets/app.js"), "utf8"));
    } finally {
      proc.kill("SIGTERM");
      await proc;
    }
  });
});
