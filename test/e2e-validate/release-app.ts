/**
 * A real service deployed as release directories (the release provider's layout): v1 is
 * healthy, v2 answers 500 on /api for 70% of requests. Each release exposes Prometheus
 * counters http_requests_total{code} that count real /api calls plus steady simulated
 * traffic at the release's error rate, so a scraping Prometheus sees the error ratio move
 * without a load generator. The demo's service manager (dist/demo/service-ctl.js) restarts it.
 */
import { mkdirSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { systemClock } from "../../src/core/clock.js";
import { startService, stopService } from "../../src/demo/service-ctl.js";
import { freePort } from "../support/prometheus.js";
import { CLI } from "../e2e/cli.js";

export const SERVICE_CTL = resolve(CLI, "../../demo/service-ctl.js");

export const RELEASES = { v1: 0, v2: 0.7 } as const;
export type Release = keyof typeof RELEASES;

function serverSource(version: string, errorRate: number): string {
  return `import { createServer } from "node:http";
const port = Number(process.argv[2]);
const VERSION = ${JSON.stringify(version)};
const RATE = ${errorRate};
const PER_SECOND = 100;
const t0 = performance.now();
let realOk = 0, realErrors = 0, carry = 0;
createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/metrics") {
    // Simulated traffic so far, split by the error rate; exact, no randomness.
    const n = Math.floor(((performance.now() - t0) / 1000) * PER_SECOND);
    const errors = Math.floor(n * RATE);
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end("# TYPE http_requests_total counter\\n" +
      'http_requests_total{code="200"} ' + (n - errors + realOk) + "\\n" +
      'http_requests_total{code="500"} ' + (errors + realErrors) + "\\n");
  } else if (path === "/api") {
    // Deterministic: with 0.7, 7 of every 10 calls fail, spread evenly.
    carry += RATE;
    const fails = carry >= 1 - 1e-9;
    if (fails) { carry -= 1; realErrors++; } else realOk++;
    res.writeHead(fails ? 500 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify({ version: VERSION, ok: !fails }));
  } else if (path === "/health") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  } else if (path === "/version") {
    res.writeHead(200, { "content-type": "text/plain" }).end(VERSION);
  } else {
    res.writeHead(404).end();
  }
}).listen(port, "127.0.0.1");
`;
}

export interface ReleaseApp {
  dir: string;
  port: number;
  /** "127.0.0.1:PORT" for Prometheus. */
  address: string;
  url: string;
  /** Swaps `current` and restarts, the way a deploy tool would. */
  deploy(release: Release): Promise<void>;
  /** The release `current` points at. */
  current(): string;
  /** The component's YAML (two-space indented under `components:`). */
  componentYaml(name: string): string;
  stop(): void;
}

/** Writes releases v1 and v2 under `root/app`, points `current` at v1 and starts it. */
export async function startReleaseApp(root: string): Promise<ReleaseApp> {
  const dir = join(root, "app");
  for (const [version, rate] of Object.entries(RELEASES)) {
    const release = join(dir, "releases", version);
    mkdirSync(release, { recursive: true });
    writeFileSync(join(release, "server.js"), serverSource(version, rate));
    writeFileSync(join(release, "package.json"), '{ "type": "module" }\n');
  }
  symlinkSync(join("releases", "v1"), join(dir, "current"));
  const port = await freePort();
  await startService(dir, port, systemClock);
  const url = `http://127.0.0.1:${port}`;
  return {
    dir,
    port,
    address: `127.0.0.1:${port}`,
    url,
    async deploy(release) {
      const tmp = join(dir, "current.deploying");
      symlinkSync(join("releases", release), tmp);
      renameSync(tmp, join(dir, "current"));
      await startService(dir, port, systemClock);
    },
    current: () => readlinkSync(join(dir, "current")),
    componentYaml: (name) => `  ${name}:
    kind: release
    path: ${JSON.stringify(dir)}
    restart:
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(SERVICE_CTL)}, restart, ${JSON.stringify(dir)}, "${port}"]
      timeout: 10
    health:
      http: ${url}/health
      retries: 20
      interval: 0.1
`,
    stop: () => stopService(dir),
  };
}

/** Status codes of `n` calls to /api, in order. */
export async function apiStatuses(url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/api`);
    await res.text();
    out.push(res.status);
  }
  return out;
}
