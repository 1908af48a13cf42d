import type { PlannedStep } from "../../../src/core/model.js";
import type { ProviderContext } from "../../../src/core/provider.js";
import { redisProvider, type RedisSettings } from "../../../src/providers/redis/index.js";
import { contextFor, planned } from "../context.js";

export type RedisCtx = ProviderContext<RedisSettings>;

/** A context as the step runner builds it inside rollback `rollbackId`. */
export function redisCtx(
  settings: Record<string, unknown>,
  rollbackId = "rb-1",
  baseDir = process.cwd(),
): RedisCtx {
  return contextFor(redisProvider, {
    name: "cache",
    baseDir,
    settings,
    rollbackId,
  });
}

/** Captures, plans against the same state (as a rollback would) and returns the one planned step. */
export async function planOne(ctx: RedisCtx): Promise<PlannedStep> {
  const current = await redisProvider.capture(ctx);
  const steps = await redisProvider.plan(ctx, current, { version: "unflushed" });
  if (steps.length !== 1 || steps[0] === undefined) throw new Error(`expected one step, got ${steps.length}`);
  return planned(ctx, steps[0]);
}

/** The same step as seen by another rollback (resume of a different rollback id). */
export function withRollback(ctx: RedisCtx, rollbackId: string): RedisCtx {
  return { ...ctx, rollbackId };
}
