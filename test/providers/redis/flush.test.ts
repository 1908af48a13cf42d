import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { redisProvider } from "../../../src/providers/redis/index.js";
import { commandCalls, countKeys, fillKeys, type RedisServer, startRedis } from "../../support/redis.js";
import { planOne, redisCtx } from "./redis-fixture.js";

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
});

describe("redis flush-keys", () => {
  it("deletes only the 20,000 keys matching the patterns, with SCAN + UNLINK and never KEYS", async () => {
    await fillKeys(redis, "cache:page:", 12_000);
    await fillKeys(redis, "frag:", 8_000);
    await fillKeys(redis, "session:", 3_000);
    await fillKeys(redis, "cachex:", 500); // near miss: "cache:*" must not match it
    await redis.set(Buffer.from([0x63, 0x61, 0x63, 0x68, 0x65, 0x3a, 0xff, 0x00]), "binary"); // "cache:\xff\0"

    const ctx = redisCtx({ url: server.url(), patterns: ["cache:*", "frag:*"] });
    const step = await planOne(ctx);
    expect(step.action).toBe("flush-keys");
    expect(step.phase).toBe("main");
    expect(step.reversible).toBe(false);
    expect(step.risk).toEqual({
      dataLoss: false,
      summary: "deletes the keys matching cache:*, frag:* (derived data; the app refills it)",
      measured: "~20001 keys now",
    });

    await redis.config("RESETSTAT");
    const result = await redisProvider.apply(ctx, step);
    const calls = await commandCalls(redis);
    const stats = await redis.info("stats");

    expect(result.output).toContain("deleted 20001 keys");
    expect(await countKeys(redis, "cache:*")).toBe(0);
    expect(await countKeys(redis, "frag:*")).toBe(0);
    expect(await countKeys(redis, "session:*")).toBe(3_000);
    expect(await countKeys(redis, "cachex:*")).toBe(500);
    // 20,001 keys in UNLINKs of at most 500: at least 41 calls; no DEL, FLUSH* or KEYS.
    expect(calls.unlink).toBeGreaterThanOrEqual(41);
    expect(calls.scan).toBeGreaterThanOrEqual(40);
    expect(Object.keys(calls).filter((c) => /^(keys|del|flushdb|flushall)$/.test(c))).toEqual([]);
    // KEYS is renamed away on this server: any attempt would have been an error reply.
    expect(stats).toMatch(/total_error_replies:0\r?\n/);
  });

  it("keeps UNLINK batches within batchSize", async () => {
    await fillKeys(redis, "cache:", 100);
    const ctx = redisCtx({ url: server.url(), patterns: ["cache:*"], batchSize: 7 });
    const step = await planOne(ctx);
    const monitor = await redis.monitor();
    const unlinkSizes: number[] = [];
    const ended = new Promise<void>((resolve) => {
      monitor.on("monitor", (_time: string, args: string[]) => {
        if (args[0]?.toLowerCase() === "unlink") unlinkSizes.push(args.length - 1);
        if (args[0]?.toLowerCase() === "echo" && args[1] === "end-of-test") resolve();
      });
    });
    await redisProvider.apply(ctx, step);
    // MONITOR streams in execution order: once our ECHO shows up, every UNLINK has been seen.
    await redis.echo("end-of-test");
    await ended;
    monitor.disconnect();
    expect(unlinkSizes.reduce((a, b) => a + b, 0)).toBe(100);
    expect(Math.max(...unlinkSizes)).toBeLessThanOrEqual(7);
    expect(await countKeys(redis, "cache:*")).toBe(0);
  });

  it("fails loudly if anything calls KEYS on the test server", async () => {
    await expect(redis.call("KEYS", "*")).rejects.toThrow(/unknown command/i);
  });

  it("runs the warm-up command after the flush", async () => {
    await fillKeys(redis, "cache:", 50);
    // If the warm-up ran before the flush, the flush would delete the key it writes.
    const warm = ["redis-cli", "-h", "127.0.0.1", "-p", String(server.port), "SET", "cache:warm", "1"];
    const ctx = redisCtx({ url: server.url(), patterns: ["cache:*"], warmup: { command: warm } });
    const result = await redisProvider.apply(ctx, await planOne(ctx));
    expect(result.output).toContain("warm-up: OK");
    expect(await redis.get("cache:warm")).toBe("1");
    expect(await countKeys(redis, "cache:*")).toBe(1);
  });

  it("records the flush as the component's version", async () => {
    await fillKeys(redis, "cache:", 10);
    const ctx = redisCtx({ url: server.url(), patterns: ["cache:*"] });
    const before = await redisProvider.capture(ctx);
    expect(before).toEqual({
      version: "unflushed",
      details: { db: 0 },
      measured: { keysMatching: 10, keysMatchingComplete: true, dbsize: 10 },
    });
    await redisProvider.apply(ctx, await planOne(ctx));
    const after = await redisProvider.capture(ctx);
    expect(after.version).toMatch(/^flushed@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(after.measured?.keysMatching).toBe(0);
  });
});
