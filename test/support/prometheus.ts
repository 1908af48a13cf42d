/**
 * A real Prometheus for tests: its own config and data in a temp dir, a free loopback port,
 * a 1s scrape interval over the given targets. Requires the Debian package `prometheus`
 * (binary /usr/bin/prometheus, or set PROMETHEUS_BIN); without it, starting FAILS with a
 * message naming the package, it does not skip.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFlakyService, type FlakyOptions, type FlakyService } from "./flaky-service.js";
import { freePort } from "./free-port.js";
export { freePort };

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";

export interface PrometheusServer {
  /** Base URL, e.g. http://127.0.0.1:39123 */
  url: string;
  /** Instant query; the number of the first sample, or undefined when empty or not a number. */
  value(query: string): Promise<number | undefined>;
  /** Polls `query` until `accept(value)`; throws with the last value after `timeoutMs`. */
  waitFor(query: string, accept: (v: number) => boolean, timeoutMs?: number): Promise<number>;
  /** SIGSTOP: the port still accepts connections but nothing answers (for timeout tests). */
  pause(): void;
  resume(): void;
  /** Stops the process (TERM, then KILL) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
  /** The last lines Prometheus logged, for failure messages. */
  log(): string;
}

export interface PrometheusOptions {
  /** "host:port" targets scraped every second under job "app"; start() waits until all are up. */
  targets: string[];
  job?: string;
  /** Alerting/recording rules, the text of a Prometheus rule file (evaluated every second). */
  rules?: string;
  /** "host:port" of Alertmanagers that firing and resolved alerts are sent to. */
  alertmanagers?: string[];
}

const LOG_KEEP = 4000;

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(
      `Prometheus is not installed (${PROMETHEUS_BIN} not found). Install the Debian package "prometheus": ` +
        "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus (or set PROMETHEUS_BIN).",
    );
  }
  // A port taken between choosing and binding makes Prometheus exit: try another.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts, await freePort());
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

async function startOnce(opts: PrometheusOptions, port: number): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), "backout-prometheus-"));
  const config = join(dir, "prometheus.yml");
  if (opts.rules !== undefined) writeFileSync(join(dir, "rules.yml"), opts.rules);
  writeFileSync(config, configText(opts, join(dir, "rules.yml")));
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let logText = "";
  const keep = (chunk: Buffer) => {
    logText = (logText + chunk.toString()).slice(-LOG_KEEP);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const server = handle(child, exited, dir, `http://127.0.0.1:${port}`, () => logText);
  try {
    await waitReady(server.url, child);
    // Scraped at least once with success: `up` is 1 for every target.
    const job = JSON.stringify(opts.job ?? "app");
    await server.waitFor(`count(up{job=${job}} == 1)`, (n) => n === opts.targets.length);
  } catch (e) {
    await server.stop();
    throw new Error(`${(e as Error).message}\nPrometheus log:\n${logText}`);
  }
  return server;
}

function handle(
  child: ChildProcess,
  exited: Promise<void>,
  dir: string,
  url: string,
  log: () => string,
): PrometheusServer {
  const running = () => child.exitCode === null && child.signalCode === null;
  const server: PrometheusServer = {
    url,
    log,
    async value(query) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
      return firstNumber(await res.json());
    },
    async waitFor(query, accept, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last: number | undefined;
      for (;;) {
        last = await server.value(query).catch(() => undefined);
        if (last !== undefined && accept(last)) return last;
        if (Date.now() > deadline) {
          throw new Error(`Prometheus: "${query}" still ${String(last)} after ${timeoutMs} ms\n${log()}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    pause() {
      if (running()) child.kill("SIGSTOP");
    },
    resume() {
      if (running()) child.kill("SIGCONT");
    },
    async stop() {
      if (running()) {
        child.kill("SIGCONT"); // a stopped process would not act on TERM
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

function configText(opts: PrometheusOptions, rulesFile: string): string {
  const targets = opts.targets.map((t) => JSON.stringify(t)).join(", ");
  const list = (xs: string[]) => xs.map((x) => JSON.stringify(x)).join(", ");
  return [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 900ms",
    "  evaluation_interval: 1s",
    ...(opts.rules === undefined ? [] : ["rule_files:", `  - ${JSON.stringify(rulesFile)}`]),
    ...(opts.alertmanagers === undefined
      ? []
      : [
          "alerting:",
          "  alertmanagers:",
          `    - static_configs: [{ targets: [${list(opts.alertmanagers)}] }]`,
        ]),
    "scrape_configs:",
    `  - job_name: ${JSON.stringify(opts.job ?? "app")}`,
    "    static_configs:",
    `      - targets: [${targets}]`,
    "",
  ].join("\n");
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Prometheus exited during startup (code ${child.exitCode ?? child.signalCode})`);
    }
    const ok = await fetch(`${url}/-/ready`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Prometheus at ${url} not ready after 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface QueryBody {
  data?: { resultType?: string; result?: unknown };
}

/** The number in a scalar, or in a vector's first sample; undefined for anything else or NaN. */
function firstNumber(body: unknown): number | undefined {
  const data = (body as QueryBody).data;
  const result = data?.result;
  let text: unknown;
  if (data?.resultType === "scalar" && Array.isArray(result)) text = result[1];
  if (data?.resultType === "vector" && Array.isArray(result)) {
    const first = result[0] as { value?: unknown[] } | undefined;
    text = first?.value?.[1];
  }
  const v = typeof text === "string" ? Number(text) : NaN;
  return Number.isNaN(v) ? undefined : v;
}

/** A flaky service scraped by its own Prometheus, returned once Prometheus sees it up. */
export async function startMonitoredFlakyService(
  opts: FlakyOptions = {},
): Promise<{ prometheus: PrometheusServer; service: FlakyService; stop: () => Promise<void> }> {
  const service = await startFlakyService(opts);
  let prometheus: PrometheusServer;
  try {
    prometheus = await startPrometheus({ targets: [service.address] });
  } catch (e) {
    await service.close();
    throw e;
  }
  return {
    prometheus,
    service,
    stop: async () => {
      await prometheus.stop();
      await service.close();
    },
  };
}
