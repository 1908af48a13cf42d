/**
 * The demo's tiny service manager, used as the release provider's restart command:
 *   node service-ctl.js restart <appDir> <port>
 *   node service-ctl.js stop <appDir>
 * It (re)starts `node <appDir>/current/server.js <port>` detached, records its pid in
 * <appDir>/service.pid, and waits until the port accepts connections.
 */
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

export function stopService(appDir: string): void {
  const pidFile = join(appDir, "service.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8"));
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: "127.0.0.1" }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

async function waitForPort(port: number, open: boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await portOpen(port)) === open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not ${open ? "open" : "close"} within ${timeoutMs} ms`);
}

export async function startService(appDir: string, port: number): Promise<number> {
  stopService(appDir);
  await waitForPort(port, false, 5000);
  const log = openSync(join(appDir, "service.log"), "a");
  const child = spawn(process.execPath, [join(appDir, "current", "server.js"), String(port)], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  child.unref();
  writeFileSync(join(appDir, "service.pid"), String(child.pid));
  await waitForPort(port, true, 5000);
  return child.pid ?? 0;
}

async function main(argv: string[]): Promise<void> {
  const [command, appDir, port] = argv;
  if (command === "restart" && appDir && port) await startService(appDir, Number(port));
  else if (command === "stop" && appDir) stopService(appDir);
  else throw new Error("usage: service-ctl.js restart <appDir> <port> | stop <appDir>");
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "")) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
