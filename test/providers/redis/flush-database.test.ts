import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { redisProvider, redisSettingsSchema } from "../../../src/providers/redis/index.js";
import { expectBackoutError } from "../fixtures.js";
import { countKeys, fillKeys, type RedisServer, startRedis } from "../../support/redis.js";
import { planOne, redisCtx } from "./redis-fixture.js";

let server: RedisServer;
let db0: Redis;
let db3: Redis;

beforeAll(async () => {
  server = await startRedis();
  db0 = await server.client(0);
  db3 = await server.client(3);
});
afterAll(async () => {
  await db0?.quit();
  await db3?.quit();
  await server?.stop();
});
beforeEach(async () => {
  await db0.flushall();
  await fillKeys(db0, "other:", 100);
  await fillKeys(db3, "anything:", 300);
});

describe("redis settings", () => {
  const url = "redis://127.0.0.1:6379/0";
  function issues(settings: unknown): string[] {
    const r = redisSettingsSchema().safeParse(settings);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  }

  it("requires patterns unless flushDatabase is explicitly true", () => {
    expect(issues({ url })).toEqual([
      'patterns: patterns is required (e.g. ["cache:*"]) unless flushDatabase: true',
    ]);
    expect(issues({ url, flushDatabase: false })).toHaveLength(1);
    expect(issues({ url, flushDatabase: "yes" })).not.toEqual([]);
    expect(issues({ url, flushDatabase: 1 })).not.toEqual([]);
    expect(issues({ url, flushDatabase: true })).toEqual([]);
    expect(issues({ url, patterns: ["cache:*"] })).toEqual([]);
  });

  it("refuses a catch-all pattern, both modes at once, unknown keys and other URL schemes", () => {
    expect(issues({ url, patterns: ["*"] })[0]).toMatch(/set flushDatabase: true/);
    expect(issues({ url, patterns: ["cache:*", "**"] })).toHaveLength(1);
    expect(issues({ url, patterns: ["cache:*"], flushDatabase: true })[0]).toMatch(/not both/);
    expect(issues({ url, patterns: ["cache:*"], flush: true })).not.toEqual([]);
    expect(issues({ url: "http://127.0.0.1:6379", patterns: ["cache:*"] })).not.toEqual([]);
    expect(issues({ patterns: ["cache:*"] })).not.toEqual([]);
  });

  it("applies defaults", () => {
    expect(redisSettingsSchema().parse({ url, patterns: ["c:*"] })).toEqual({
      url,
      patterns: ["c:*"],
      flushDatabase: false,
      batchSize: 500,
      connectTimeout: "5s",
    });
  });
});

describe("redis flush-database", () => {
  it("empties only the URL's logical database with FLUSHDB ASYNC when allowed", async () => {
    const ctx = redisCtx({ url: server.url(3), flushDatabase: true });
    const step = await planOne(ctx);
    expect(step.action).toBe("flush-database");
    expect(step.params).toEqual({ mode: "database", db: 3 });
    expect(step.risk).toEqual({
      dataLoss: false,
      summary: "deletes all keys of database 3 (derived data; the app refills it)",
      measured: "~300 keys now",
    });
    await redisProvider.apply(ctx, step);
    expect(await countKeys(db3, "anything:*")).toBe(0);
    expect(await countKeys(db0, "*")).toBe(100);
    expect(await redisProvider.verify(ctx, step)).toBe(true);
  });

  it("refuses a flush-database step once the settings no longer allow it, deleting nothing", async () => {
    const allowed = redisCtx({ url: server.url(3), flushDatabase: true });
    const step = await planOne(allowed);
    const now = redisCtx({ url: server.url(3), patterns: ["cache:*"] });
    const e = await expectBackoutError(redisProvider.apply(now, step), "PLAN_INVALID");
    expect(e.hint).toMatch(/flushDatabase: true/);
    expect(e.retryable).toBe(false);
    expect(await countKeys(db3, "anything:*")).toBe(300);
  });
});
