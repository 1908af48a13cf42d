/**
 * The demo's tiny service manager: (re)starts `node <appDir>/current/server.js <port>` detached,
 * records its pid in <appDir>/service.pid, and waits until the port accepts connections.
 * service-ctl.ts is its command line (the release provider's restart command).
 */
import { spawn } from "node:child_process";
import { existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import type { Clock } from "../core/clock.js";

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

/** How long a port may take to close after a stop, or to open after a start. */
export const PORT_TIMEOUT_MS = 5000;

/** Polls until the port on 127.0.0.1 accepts connections (`open`) or refuses them, timed by `clock`. */
export async function waitForPort(
  port: number,
  open: boolean,
  timeoutMs: number,
  clock: Clock,
): Promise<void> {
  const until = clock.now() + timeoutMs;
  while (clock.now() < until) {
    if ((await portOpen(port)) === open) return;
    await clock.sleep(50);
  }
  throw new Error(`port ${port} did not ${open ? "open" : "close"} within ${timeoutMs} ms`);
}

/** `clock`: the demo's own; service-ctl, a process of its own, passes systemClock. */
export async function startService(appDir: string, port: number, clock: Clock): Promise<number> {
  stopService(appDir);
  await waitForPort(port, false, PORT_TIMEOUT_MS, clock);
  const log = openSync(join(appDir, "service.log"), "a");
  const child = spawn(process.execPath, [join(appDir, "current", "server.js"), String(port)], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  child.unref();
  writeFileSync(join(appDir, "service.pid"), String(child.pid));
  await waitForPort(port, true, PORT_TIMEOUT_MS, clock);
  return child.pid ?? 0;
}
