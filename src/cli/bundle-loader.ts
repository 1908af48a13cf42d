#!/usr/bin/env node
/**
 * The package's `backout` command once bundled (scripts/bundle-cli.ts): runs the CLI's bundle,
 * backout-cli.js next to this file, through V8's code cache (compile-cache.ts).
 */
import { isAscii } from "node:buffer";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { compileWithCache } from "./compile-cache.js";

/** Set by the bundler: a hash of backout-cli.js, so a cache never outlives the code it holds. */
declare const BACKOUT_BUNDLE_ID: string;

const file = join(__dirname, "backout-cli.js");
const bytes = readFileSync(file);
// The bundle is ASCII (scripts/bundle-cli.ts): read as latin1 it needs no UTF-8 decoding, the
// same text ~15 times faster. Anything else is decoded as UTF-8, as Node would.
const source = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
const run = compileWithCache(file, source, {
  bundleId: BACKOUT_BUNDLE_ID,
  argv: process.argv,
  env: process.env,
  execArgv: process.execArgv,
});
const module = { exports: {} };
run.call(module.exports, module.exports, createRequire(file), module, file, __dirname);
