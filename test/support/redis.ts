import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { useService } from "./use-service.js";

/** A throwaway redis-server on a free 127.0.0.1 port, with its own config and directory. */
export interface RedisServer {
  port: number;
  /** redis://[:password@]127.0.0.1:<port>/<db> */
  url(db?: number, password?: string): string;
  /** A connected client (db 0 unless told), authenticated when the server has a password; callers quit() it. */
  client(db?: number): Promise<Redis>;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Starts the server with --requirepass. */
  password?: string;
}

const START_TIMEOUT_MS = 10_000;

/**
 * Starts redis-server with persistence off and KEYS renamed away (`rename-command KEYS ""`),
 * so any KEYS call fails loudly: the provider must only use SCAN. Fails (never skips) when
 * the binary is missing.
 */
export async function startRedis(opts: RedisServerOptions = {}): Promise<RedisServer> {
  assertInstalled();
  // A port found free can be taken before redis binds it; try again with another.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

function assertInstalled(): void {
  const probe = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      "redis-server is not installed (or not on PATH): install the Debian package redis-server (apt-get install redis-server) to run the redis provider tests",
    );
  }
}

async function startOnce(opts: RedisServerOptions): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "backout-redis-"));
  const port = await freePort();
  const conf = join(dir, "redis.conf");
  const lines = [
    `port ${port}`,
    "bind 127.0.0.1",
    'save ""',
    "appendonly no",
    `dir ${dir}`,
    'rename-command KEYS ""',
    ...(opts.password === undefined ? [] : [`requirepass ${opts.password}`]),
  ];
  writeFileSync(conf, lines.join("\n") + "\n");
  const proc = spawn("redis-server", [conf], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const url = (db = 0, password = opts.password): string =>
    `redis://${password === undefined ? "" : `:${encodeURIComponent(password)}@`}127.0.0.1:${port}/${db}`;
  try {
    await waitForPing(url(), proc, () => log);
  } catch (e) {
    await kill(proc, exited);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    url,
    async client(db = 0) {
      const r = new Redis(url(db), { lazyConnect: true, maxRetriesPerRequest: 1 });
      await r.connect();
      return r;
    },
    async stop() {
      await kill(proc, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}:\n${log()}`);
    const r = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on("error", () => undefined);
    try {
      await r.connect();
      if ((await r.ping()) === "PONG") return;
    } catch {
      // not up yet
    } finally {
      r.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server did not answer PING within ${START_TIMEOUT_MS} ms:\n${log()}`);
}

async function kill(proc: ChildProcess, exited: Promise<void>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Writes `count` string keys named `${prefix}${i}` through pipelines of 1,000. */
export async function fillKeys(redis: Redis, prefix: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const pipe = redis.pipeline();
    for (let i = start; i < Math.min(count, start + 1000); i++) pipe.set(`${prefix}${i}`, "v");
    await pipe.exec();
  }
}

/** Counts keys matching a pattern with SCAN (KEYS is renamed away on these servers). */
export async function countKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== "0");
  return n;
}

/** Calls per command since the last CONFIG RESETSTAT, from INFO commandstats ("unlink" → 41). */
export async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info("commandstats");
  const calls: Record<string, number> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== undefined && m[2] !== undefined) calls[m[1]] = Number(m[2]);
  }
  return calls;
}

/** A redis-server started once for the enclosing file or describe block (see useService). */
export function useRedis(opts: RedisServerOptions = {}): RedisServer {
  return useService(
    "redis-server",
    () => startRedis(opts),
    (s) => s.stop(),
  );
}
