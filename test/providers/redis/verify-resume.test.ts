import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { redisProvider } from "../../../src/providers/redis/index.js";
import { expectBackoutError } from "../fixtures.js";
import { countKeys, fillKeys, type RedisServer, startRedis } from "../../support/redis.js";
import { planOne, redisCtx, withRollback } from "./redis-fixture.js";

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = await server.client();
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});
beforeEach(async () => {
  await redis.flushall();
  await fillKeys(redis, "cache:", 1_000);
});

describe("redis verify and resume", () => {
  it("is reached only once this rollback step's flush completed, and stays reached after a refill", async () => {
    const ctx = redisCtx({ url: server.url(), patterns: ["cache:*"] }, "rb-A");
    const step = await planOne(ctx);
    expect(await redisProvider.verify(ctx, step)).toBe(false);

    await redisProvider.apply(ctx, step);
    expect(await redisProvider.verify(ctx, step)).toBe(true);

    // The rolled-back app refills its cache; a resume must not flush it again.
    await fillKeys(redis, "cache:", 200);
    expect(await redisProvider.verify(ctx, step)).toBe(true);
    // The same step of another rollback has not flushed anything yet.
    expect(await redisProvider.verify(withRollback(ctx, "rb-B"), step)).toBe(false);
  });

  it("does not count a cache that merely has no matching key as flushed", async () => {
    await redis.flushall();
    const ctx = redisCtx({ url: server.url(), patterns: ["cache:*"] }, "rb-C");
    expect(await redisProvider.verify(ctx, await planOne(ctx))).toBe(false);
  });

  it("apply is idempotent: a second run of the same step keeps the refilled keys", async () => {
    const ctx = redisCtx({ url: server.url(), patterns: ["cache:*"] }, "rb-D");
    const step = await planOne(ctx);
    await redisProvider.apply(ctx, step);
    await fillKeys(redis, "cache:", 200);
    const again = await redisProvider.apply(ctx, step);
    expect(again.output).toMatch(/already flushed by this step/);
    expect(await countKeys(redis, "cache:*")).toBe(200);
    // Another rollback flushes again.
    await redisProvider.apply(withRollback(ctx, "rb-E"), step);
    expect(await countKeys(redis, "cache:*")).toBe(0);
  });

  it("a failed warm-up fails the step and verify says not reached; the retry (or resume) warms up without flushing again", async () => {
    const flag = `cache:warm-ok`;
    const cli = ["redis-cli", "-h", "127.0.0.1", "-p", String(server.port)];
    // Fails (exit 1) until the flag exists, then succeeds.
    const warm = [
      process.execPath,
      "-e",
      `process.exit(require("node:child_process").execFileSync(${JSON.stringify(cli[0])}, ${JSON.stringify([...cli.slice(1), "EXISTS", flag])}).toString().trim() === "1" ? 0 : 1)`,
    ];
    const ctx = redisCtx({ url: server.url(), patterns: ["cache:*"], warmup: { command: warm } }, "rb-F");
    const step = await planOne(ctx);
    const e = await expectBackoutError(redisProvider.apply(ctx, step), "COMMAND_FAILED");
    expect(e.retryable).toBe(true);
    expect(await countKeys(redis, "cache:*")).toBe(0);
    // Flushed but not warmed: the step is not done, so a resume runs it again (not "reached").
    expect(await redisProvider.verify(ctx, step)).toBe(false);

    await fillKeys(redis, "cache:", 5); // refilled meanwhile
    await redis.set(flag, "1");
    const retry = await redisProvider.apply(ctx, step);
    expect(retry.output).toMatch(/already flushed by this step[\s\S]*warmed up/);
    expect(await countKeys(redis, "cache:*")).toBe(6);
    expect(await redisProvider.verify(ctx, step)).toBe(true);
    // backout's markers expire (30 days): none is left in the application's database for ever.
    const markers: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", "backout:*", "COUNT", 1000);
      cursor = next;
      markers.push(...keys);
    } while (cursor !== "0");
    expect(markers).toHaveLength(3);
    for (const key of markers) {
      const ttl = await redis.ttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(30 * 24 * 3600);
    }
  });

  it("plans the flush even when the version has not changed since the checkpoint", async () => {
    const ctx = redisCtx({ url: server.url(), patterns: ["cache:*"] });
    const current = await redisProvider.capture(ctx);
    const steps = await redisProvider.plan(ctx, current, current);
    expect(steps.map((s) => [s.action, s.phase, s.risk.dataLoss, s.reversible])).toEqual([
      ["flush-keys", "main", false, false],
    ]);
    expect(steps[0]?.risk.summary).toBe(
      "deletes the keys matching cache:* (derived data; the app refills it)",
    );
    expect(steps[0]?.risk.measured).toBe("~1000 keys now");
  });
});
