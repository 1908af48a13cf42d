/**
 * Bundles the CLI for distribution (`npm run build` runs it after tsc) into dist/cli-bundle/:
 *
 * - backout-cli.js: the whole CLI as one CommonJS file. The pure-JS packages every command loads
 *   at start (commander, zod, yaml, semver) are bundled in; every other package under
 *   node_modules (pg, better-sqlite3, libpg-query, fastify, playwright-core, ...) stays external,
 *   required on first use (`import()` becomes `require`, which loads ES modules on Node >= 20.19).
 *   A command's own modules run only when it does (esbuild keeps a dynamic import lazy).
 * - backout.js, the package's bin: runs backout-cli.js through V8's code cache
 *   (src/cli/compile-cache.ts). One file instead of ~250 modules, and, from the second run of a
 *   command on, no compiling: Node 20 caches compiled code for neither, and ES modules cannot
 *   be given a cache at all, hence CommonJS here (dist/cli-bundle/package.json says so).
 * - service-ctl.js: the demo's service manager, run as its own program.
 *
 * Source maps are kept; the entry maps stack traces to the TypeScript files when one is
 * formatted (src/cli/lazy-source-maps.ts). dist/cli/main.js (tsc's module tree) stays for the
 * tests and the library.
 */
import { createHash } from "node:crypto";
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build, type BuildOptions } from "esbuild";
import pkg from "../package.json" with { type: "json" };

const OUT = "dist/cli-bundle";
const BUNDLED = new Set(["commander", "zod", "yaml", "semver"]);
const external = Object.keys(pkg.dependencies)
  .filter((d) => !BUNDLED.has(d))
  .flatMap((d) => [d, `${d}/*`]);

const common: BuildOptions = {
  outdir: OUT,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external,
  sourcemap: true,
  logLevel: "warning",
};

rmSync(OUT, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { "backout-cli": "src/cli/bundle-entry.ts", "service-ctl": "src/demo/service-ctl.ts" },
  // Without comments the file is plain ASCII, which the loader reads as latin1: decoding 1.8 MB
  // of UTF-8 took ~17 ms of every start. Stack traces still map to src/ (source maps).
  minifyWhitespace: true,
  // Left as import(), an external package would need vm's experimental module loader.
  supported: { "dynamic-import": false },
  // The sources are ES modules; these are what `import.meta` means in a CommonJS file.
  define: { "import.meta.url": "__backoutModuleUrl", "import.meta.dirname": "__dirname" },
  // "use strict" first: ES modules are strict, and esbuild's own directive comes after the banner,
  // where it no longer is one.
  banner: {
    js: '"use strict"; const __backoutModuleUrl = require("node:url").pathToFileURL(__filename).href;',
  },
});
const bundleId = createHash("sha256")
  .update(readFileSync(join(OUT, "backout-cli.js")))
  .digest("hex")
  .slice(0, 16);
await build({
  ...common,
  entryPoints: { backout: "src/cli/bundle-loader.ts" },
  sourcemap: false,
  define: { BACKOUT_BUNDLE_ID: JSON.stringify(bundleId) },
});
writeFileSync(join(OUT, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
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
// The dashboard reads its assets next to its module, here the bundle.
cpSync("src/serve/dashboard/assets", `${OUT}/assets`, { recursive: true });
chmodSync(`${OUT}/backout.js`, 0o755);
