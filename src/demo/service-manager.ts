/**
 * The demo's tiny service manager: (re)starts `node <appDir>/current/server.js <port>` detached,
 * records its pid in <appDir>/service.pid, and waits until the port accepts connections.
 * service-ctl.ts is its command line (the release provider's restart command).
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
