/**
 * Bundles the CLI for distribution (`npm run build` runs it after tsc): dist/cli-bundle/backout.js,
 * the package's bin. A few files instead of ~250 modules at start-up: each command stays a chunk
 * loaded only when it runs (code splitting), and every package under node_modules (pg,
 * better-sqlite3, libpg-query, fastify, playwright-core, ...) stays external, loaded by Node on
 * first use. Source maps are kept and switched on in the entry, so stack traces name the
 * TypeScript files. dist/cli/main.js (tsc's module tree) stays for the tests and the library.
 */
import { chmodSync, cpSync, rmSync } from "node:fs";
import { build } from "esbuild";

const OUT = "dist/cli-bundle";
rmSync(OUT, { recursive: true, force: true });
await build({
  entryPoints: {
    backout: "src/cli/main.ts",
    // The demo starts its fake service as a separate process, found next to the demo's chunk.
    "chunks/service-ctl": "src/demo/service-ctl.ts",
  },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  chunkNames: "chunks/[name]-[hash]",
  banner: { js: "process.setSourceMapsEnabled(true);" },
  logLevel: "warning",
});
// The dashboard reads its assets next to its module, which lives in a chunk.
cpSync("src/serve/dashboard/assets", `${OUT}/chunks/assets`, { recursive: true });
chmodSync(`${OUT}/backout.js`, 0o755);
