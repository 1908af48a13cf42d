/**
 * The bundled CLI (scripts/bundle-cli.ts; bundle-loader.ts runs it): stack traces are mapped to
 * the TypeScript sources before anything else runs, then the CLI itself.
 */
import { mapStackTracesLazily } from "./lazy-source-maps.js";
import { runCli } from "./run-cli.js";

mapStackTracesLazily();
void runCli(process.argv);
