#!/usr/bin/env node
/**
 * The bundled CLI's entry (scripts/bundle-cli.ts): stack traces are mapped to the TypeScript
 * sources before anything else loads, then the CLI itself runs.
 */
import { mapStackTracesLazily } from "./lazy-source-maps.js";

mapStackTracesLazily();
await import("./main.js");
