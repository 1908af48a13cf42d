/**
 * A small real system for end-to-end rollbacks through the CLI: an nginx edge (optional) in
 * front of web → api, a git configuration repository and a redis cache (optional), all on
 * loopback, all in one temp dir. start() leaves it at v1 of everything with a good checkpoint;
 * deploy() moves it to v2.
 */
import { existsSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { cli, tempDir } from "../e2e/cli.js";
import { GIT_TEST_ENV } from "../support/git.js";
import { freePort } from "../support/free-port.js";
import { fillKeys, type RedisServer, startRedis } from "../support/redis.js";
import { deployConfig, makeSystemConfigRepo, type SystemConfigRepo } from "./config-repo.js";
import { type SystemEdge, startSystemEdge } from "./edge.js";
import { failingRestart, writeEnvironment } from "./environment.js";
import {
  deployRelease,
  NEW,
  SERVICE_CTL,
  type Service,
  startServices,
  stopServices,
  writeReleases,
} from "./services.js";

export const CACHE_KEYS = 200;

export interface SystemOptions {
  edge: boolean;
  cache: boolean;
  /** api's restart command always fails (only backout runs it; the deploy restarts directly). */
  apiRestartFails?: boolean;
}

export interface System {
  root: string;
  api: Service;
  web: Service;
  repo: SystemConfigRepo;
  edge: SystemEdge | undefined;
  redis: RedisServer | undefined;
  /** Where the escalation command writes its stdin. */
  escalationFile: string;
  /** Runs the built CLI in the system's directory (git isolated from the host's config). */
  backout(...args: string[]): ReturnType<typeof cli>;
  /** The release `current` points at. */
  currentRelease(s: Service): string;
  redisClient(): Promise<Redis>;
  deploy(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSystem(opts: SystemOptions): Promise<System> {
  if (!existsSync(SERVICE_CTL)) {
    throw new Error(`${SERVICE_CTL} is missing: run \`npm run build\` before the end-to-end system tests`);
  }
  const root = tempDir("system");
  const api: Service = { name: "api", port: await freePort(), dir: join(root, "api") };
  const web: Service = { name: "web", port: await freePort(), dir: join(root, "web") };
  const services = [api, web];
  let edge: SystemEdge | undefined;
  let redis: RedisServer | undefined;
  const stop = async () => {
    stopServices(services);
    await edge?.nginx.stop();
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    writeReleases(api, web);
    await startServices(services);
    const repo = await makeSystemConfigRepo(root);
    if (opts.edge) edge = await startSystemEdge(`127.0.0.1:${web.port}`);
    if (opts.cache) redis = await startRedis();
    const escalationFile = join(root, "escalation.json");
    writeEnvironment({
      root,
      api,
      web,
      configRepo: repo.dir,
      ...(edge ? { edgeSettings: edge.settings } : {}),
      ...(redis ? { redisUrl: redis.url(0) } : {}),
      ...(opts.apiRestartFails ? { apiRestart: failingRestart(root) } : {}),
      escalationFile,
    });
    const backout = (...args: string[]) => cli(args, { cwd: root, env: GIT_TEST_ENV });
    const system: System = {
      root,
      api,
      web,
      repo,
      edge,
      redis,
      escalationFile,
      backout,
      currentRelease: (s) => readlinkSync(join(s.dir, "current")).split("/").pop() ?? "",
      redisClient: async () => {
        if (!redis) throw new Error("this system has no cache");
        return redis.client();
      },
      deploy: async () => {
        // Dependencies first, the way a deploy goes; then config, then the new release fills the cache.
        await deployRelease(api, NEW);
        await deployRelease(web, NEW);
        await deployConfig(repo);
        if (redis) {
          const client = await redis.client();
          await fillKeys(client, "cache:page:", CACHE_KEYS);
          await client.set("session:keep-me", "not a cache key");
          await client.quit();
        }
      },
      stop,
    };
    const cp = await backout("checkpoint", "--name", "v1", "--good");
    if (cp.exitCode !== 0) throw new Error(`checkpoint failed (${cp.exitCode}):\n${cp.stderr}`);
    return system;
  } catch (e) {
    await stop();
    throw e;
  }
}
