/**
 * Bundles the CLI for distribution (`npm run build` runs it after tsc): dist/cli-bundle/backout.js,
 * the package's bin. A few files instead of ~250 modules at start-up: each command stays a chunk
 * loaded only when it runs (code splitting). The pure-JS packages every command loads at start
 * (commander, zod, yaml, semver: ~220 files between them) are bundled in, so `backout status`
 * does not resolve, read and compile each of their files; every other package under
 * node_modules (pg, better-sqlite3, libpg-query, fastify, playwright-core, ...) stays external,
 * loaded by Node on first use. Source maps are kept, and the entry maps stack traces to the
 * TypeScript files when one is formatted (src/cli/lazy-source-maps.ts). dist/cli/main.js (tsc's module tree) stays for the tests and the library.
 */
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import pkg from "../package.json" with { type: "json" };

const OUT = "dist/cli-bundle";
const BUNDLED = new Set(["commander", "zod", "yaml", "semver"]);
const external = Object.keys(pkg.dependencies)
  .filter((d) => !BUNDLED.has(d))
  .flatMap((d) => [d, `${d}/*`]);

rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: {
    backout: "src/cli/bundle-entry.ts",
    // The demo starts its fake service as a separate process, found next to the demo's chunk.
    "chunks/service-ctl": "src/demo/service-ctl.ts",
  },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external,
  sourcemap: true,
  chunkNames: "chunks/[name]-[hash]",
  // The bundled CommonJS packages require Node's own modules (yaml: "process"); an ES module
  // has no `require`, so each chunk makes one.
  banner: {
    js: 'import { createRequire as __backoutRequire } from "node:module"; const require = __backoutRequire(import.meta.url);',
  },
  logLevel: "warning",
});
// The bundled packages' own source text is dropped from the maps: stack traces need only the
// mappings, and backout's TypeScript stays for debuggers.
for (const file of readdirSync(OUT, { recursive: true, encoding: "utf8" })) {
  if (!file.endsWith(".map")) continue;
  const path = join(OUT, file);
  const map = JSON.parse(readFileSync(path, "utf8")) as {
    sources: string[];
    sourcesContent?: (string | null)[];
  };
  map.sourcesContent = map.sourcesContent?.map((text, i) =>
    map.sources[i]?.includes("node_modules/") ? null : text,
  );
  writeFileSync(path, JSON.stringify(map));
}
// The dashboard reads its assets next to its module, which lives in a chunk.
cpSync("src/serve/dashboard/assets", `${OUT}/chunks/assets`, { recursive: true });
chmodSync(`${OUT}/backout.js`, 0o755);
