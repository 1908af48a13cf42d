/**
 * A real Alertmanager (Debian `prometheus-alertmanager` 0.25) for tests: its own config and
 * storage in a temp dir, a free loopback port, clustering off. Without the package, starting
 * FAILS with a message naming it (scripts/setup installs it), it does not skip.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { until } from "./until.js";

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager";

export interface AlertmanagerServer {
  /** "127.0.0.1:PORT", for Prometheus' alerting config. */
  address: string;
  url: string;
  /** The alerts it holds (API v2), active and resolved-but-kept alike. */
  alerts(): Promise<{ labels: Record<string, string>; status: { state: string }; endsAt: string }[]>;
  log(): string;
  stop(): Promise<void>;
}

const LOG_KEEP = 8000;

/** `config`: the alertmanager.yml text. */
export async function startAlertmanager(config: string): Promise<AlertmanagerServer> {
  if (!existsSync(ALERTMANAGER_BIN)) {
    throw new Error(
      `Alertmanager is not installed (${ALERTMANAGER_BIN} not found). Install the Debian package ` +
        '"prometheus-alertmanager" (scripts/setup does), or set ALERTMANAGER_BIN.',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "backout-alertmanager-"));
  writeFileSync(join(dir, "alertmanager.yml"), config);
  const port = await freePort();
  const child = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=debug",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let logText = "";
  const keep = (chunk: Buffer) => {
    logText = (logText + chunk.toString()).slice(-LOG_KEEP);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  const server: AlertmanagerServer = {
    address: `127.0.0.1:${port}`,
    url,
    log: () => logText,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      return (await res.json()) as Awaited<ReturnType<AlertmanagerServer["alerts"]>>;
    },
    async stop() {
      if (running()) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await until(
      `Alertmanager on ${url} to be ready`,
      async () => {
        if (!running()) throw new Error(`Alertmanager exited during startup:\n${logText}`);
        return fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      { timeoutMs: 30_000, everyMs: 100 },
    );
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}
