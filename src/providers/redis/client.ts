import { durationMs } from "../../config/durations.js";
import type { Redis } from "ioredis";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { ProviderContext } from "../../core/provider.js";
import type { RedisSettings } from "./settings.js";
import { redisTarget, type RedisTarget } from "./url.js";

// A stuck server must not hang a rollback forever; one SCAN/UNLINK batch takes milliseconds.
const COMMAND_TIMEOUT_MS = 30_000;

export interface Session {
  redis: Redis;
  target: RedisTarget;
  /** ctx.redact after removing the URL's password. */
  redact: (text: string) => string;
}

/**
 * Connects (no reconnects, no offline queue: a failure surfaces at once as a BackoutError),
 * runs `fn`, and always disconnects. Every failure is reported with the URL redacted.
 */
export async function withRedis<T>(
  ctx: ProviderContext<RedisSettings>,
  settings: RedisSettings,
  where: ErrorLocation,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  const target = redisTarget(settings.url);
  const redact = (text: string): string => ctx.redact(target.scrub(text));
  // Loaded on first use: most backout commands never talk to Redis, and start-up time matters.
  const { Redis: RedisClient } = await import("ioredis");
  const redis: Redis = new RedisClient(settings.url, {
    lazyConnect: true,
    connectTimeout: durationMs(settings.connectTimeout),
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    // CLIENT SETINFO is an error reply before Redis 7.2: noise in the server's error stats.
    disableClientInfo: true,
  });
  // connect() rejects with a bland "Connection is closed."; the real reason arrives as an event.
  let lastError: Error | undefined;
  redis.on("error", (e: Error) => {
    lastError = e;
  });
  try {
    try {
      await redis.connect();
    } catch (e) {
      throw connectFailure(lastError ?? e, target, redact, where);
    }
    try {
      return await fn({ redis, target, redact });
    } catch (e) {
      if (e instanceof BackoutError) throw e;
      throw commandFailure(e, target, redact, where);
    }
  } finally {
    redis.disconnect();
  }
}

const AUTH_ERROR = /^(WRONGPASS|NOAUTH|NOPERM)|invalid password|invalid username-password/i;

function connectFailure(
  e: unknown,
  target: RedisTarget,
  redact: (t: string) => string,
  where: ErrorLocation,
): BackoutError {
  const reason = redact(e instanceof Error ? e.message : String(e));
  if (AUTH_ERROR.test(reason)) {
    // A wrong password does not fix itself: retrying would only lock the account or spam logs.
    return new BackoutError(
      "PROVIDER_FAILED",
      `Redis at ${target.hostPort} refused the credentials (${target.safeUrl}): ${reason}`,
      {
        where,
        retryable: false,
        hint: "Check the user and password in the component's url (redis://user:password@host:port/db), e.g. the ${ENV} variable it comes from.",
      },
    );
  }
  return new BackoutError(
    "PROVIDER_FAILED",
    `cannot connect to Redis at ${target.hostPort} (${target.safeUrl}): ${reason}`,
    {
      where,
      retryable: true,
      hint: `Check that Redis is running and reachable from this host at ${target.hostPort} (firewall, bind address, TLS: rediss://), then resume the rollback.`,
    },
  );
}

function commandFailure(
  e: unknown,
  target: RedisTarget,
  redact: (t: string) => string,
  where: ErrorLocation,
): BackoutError {
  const reason = redact(e instanceof Error ? e.message : String(e));
  return new BackoutError("PROVIDER_FAILED", `Redis command failed at ${target.safeUrl}: ${reason}`, {
    where,
    retryable: true,
    hint: "Check the Redis server (memory, ACL permissions for SCAN/UNLINK/SET, replication role: a replica is read-only), then resume the rollback.",
  });
}
