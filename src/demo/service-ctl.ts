/**
 * The demo's service manager as a command, used as the release provider's restart command:
 *   node service-ctl.js restart <appDir> <port>
 *   node service-ctl.js stop <appDir>
 * Only this file runs as a program; the functions live in service-manager.ts. Kept apart so the
 * bundle (scripts/bundle-cli.ts) keeps this check in service-ctl.js's own chunk: when the demo
 * and this entry shared one module, esbuild moved it into a shared chunk, the file name never
 * matched, `restart` did nothing and the demo's rollback failed its health check.
 */
import { systemClock } from "../core/clock.js";
import { startService, stopService } from "./service-manager.js";

export { startService, stopService };

async function main(argv: string[]): Promise<void> {
  const [command, appDir, port] = argv;
  if (command === "restart" && appDir && port) await startService(appDir, Number(port), systemClock);
  else if (command === "stop" && appDir) stopService(appDir);
  else throw new Error("usage: service-ctl.js restart <appDir> <port> | stop <appDir>");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
