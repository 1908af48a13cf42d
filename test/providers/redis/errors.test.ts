import { describe, expect, it } from "vitest";
import type { BackoutError } from "../../../src/core/errors.js";
import { redisProvider } from "../../../src/providers/redis/index.js";
import { expectBackoutError } from "../fixtures.js";
import { freePort } from "../../support/free-port.js";
import { fillKeys, useRedis } from "../../support/redis.js";
import { planOne, redisCtx } from "./redis-fixture.js";

// Characters that need percent-encoding in a URL, so both spellings must be redacted.
const PASSWORD = "Pw-s3cret/with:chars@x";
const WRONG = "Wr0ng-guess/p@ss:word";

const server = useRedis({ password: PASSWORD });

/** Everything an operator or the journal could see of an error. */
function visible(e: BackoutError): string {
  return [e.message, e.hint ?? "", JSON.stringify(e.toJSON()), String(e.stack)].join("\n");
}

function secretFree(text: string, secret: string): void {
  expect(text).not.toContain(secret);
  expect(text).not.toContain(encodeURIComponent(secret));
}

describe("redis connection errors", () => {
  it("a wrong password is a clear, non-retryable error that never shows the password", async () => {
    const ctx = redisCtx({ url: server.url(0, WRONG), patterns: ["cache:*"] });
    const e = await expectBackoutError(redisProvider.capture(ctx), "PROVIDER_FAILED");
    expect(e.message).toContain(`127.0.0.1:${server.port}`);
    expect(e.message).toMatch(/refused the credentials/);
    expect(e.message).toContain(`redis://:***@127.0.0.1:${server.port}/0`);
    expect(e.hint).toMatch(/password/);
    expect(e.retryable).toBe(false);
    secretFree(visible(e), WRONG);
  });

  it("no password at all says authentication is required", async () => {
    const ctx = redisCtx({ url: `redis://127.0.0.1:${server.port}/0`, patterns: ["cache:*"] });
    const e = await expectBackoutError(redisProvider.capture(ctx), "PROVIDER_FAILED");
    expect(e.message).toMatch(/NOAUTH/);
  });

  it("an unreachable server is a retryable error naming host:port, with the URL redacted", async () => {
    const port = await freePort();
    const ctx = redisCtx({
      url: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/2`,
      patterns: ["c:*"],
    });
    const e = await expectBackoutError(redisProvider.capture(ctx), "PROVIDER_FAILED");
    expect(e.message).toContain(`cannot connect to Redis at 127.0.0.1:${port}`);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(e.retryable).toBe(true);
    expect(e.hint).toContain(`127.0.0.1:${port}`);
    secretFree(visible(e), PASSWORD);
  });

  it("with the right password nothing it reports contains the password", async () => {
    const redis = await server.client();
    try {
      await fillKeys(redis, "cache:", 10);
      const ctx = redisCtx({
        url: server.url(0),
        patterns: ["cache:*"],
        warmup: { command: [process.execPath, "-e", "console.log(process.argv[1])", server.url(0)] },
      });
      const state = await redisProvider.capture(ctx);
      const step = await planOne(ctx);
      const result = await redisProvider.apply(ctx, step);
      expect(result.output).toContain(`warm-up: redis://:***@127.0.0.1:${server.port}/0`);
      secretFree(JSON.stringify([state, step, result]), PASSWORD);
      expect(await redis.dbsize()).toBe(3); // only the three markers are left (flushed, warmed, last-flush)
    } finally {
      await redis.quit();
    }
  });
});
