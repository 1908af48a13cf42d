import { durationMs } from "../../config/durations.js";
import type { ComponentState, StepSpec } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { captureRedis } from "./capture.js";
import { readSettings, type RedisSettings } from "./settings.js";
import type { FlushParams } from "./step-params.js";
import { redisTarget } from "./url.js";

// Guesses for the estimate: UNLINK in batches handles tens of thousands of keys a second.
const KEYS_PER_MS = 20;
const WARMUP_GUESS_MS = 5_000;

/**
 * Always one step, even when the version has not changed: whatever the cache holds after a bad
 * deploy may have been written by the bad release. The cache layer is ordered after app,
 * database and config, so the rolled-back app refills it. Risk: no data loss (derived data).
 */
export async function planRedis(
  ctx: ProviderContext<RedisSettings>,
  current: ComponentState,
  _target: ComponentState,
): Promise<StepSpec[]> {
  const settings = readSettings(ctx);
  const target = redisTarget(settings.url);
  const counted = await keyCount(ctx, current);
  const approx = `~${counted.count}${counted.complete ? "" : "+"}`;
  const warmupMs = settings.warmup ? Math.min(durationMs(settings.warmup.timeout), WARMUP_GUESS_MS) : 0;
  const estimateMs = Math.max(100, Math.round(counted.count / KEYS_PER_MS)) + warmupMs;
  const where = `${target.hostPort}/${target.db}`;
  const warm = settings.warmup ? ", then warm up" : "";
  if (settings.patterns === undefined) {
    const params: FlushParams = { mode: "database", db: target.db };
    return [
      {
        action: "flush-database",
        description: `flush ${ctx.component.name}: FLUSHDB ASYNC on ${where}${warm}`,
        phase: "main",
        target: { version: "flushed", details: { db: target.db } },
        params,
        risk: {
          dataLoss: false,
          summary: `deletes all keys of database ${target.db} (derived data; the app refills it)`,
          measured: `${approx} keys now`,
        },
        reversible: false,
        estimateMs: 100 + warmupMs,
      },
    ];
  }
  const params: FlushParams = {
    mode: "patterns",
    patterns: settings.patterns,
    batchSize: settings.batchSize,
  };
  const matching = settings.patterns.join(", ");
  return [
    {
      action: "flush-keys",
      description: `flush ${ctx.component.name}: SCAN + UNLINK keys matching ${matching} on ${where}${warm}`,
      phase: "main",
      target: { version: "flushed", details: { patterns: settings.patterns } },
      params,
      risk: {
        dataLoss: false,
        summary: `deletes the keys matching ${matching} (derived data; the app refills it)`,
        measured: `${approx} keys now`,
      },
      reversible: false,
      estimateMs,
    },
  ];
}

/** The count captured with `current`, or a fresh one when current has no details (a hand-built state). */
async function keyCount(
  ctx: ProviderContext<RedisSettings>,
  current: ComponentState,
): Promise<{ count: number; complete: boolean }> {
  const fromState = countOf(current);
  if (fromState !== undefined) return fromState;
  const fresh = countOf(await captureRedis(ctx));
  return fresh ?? { count: 0, complete: false };
}

function countOf(state: ComponentState): { count: number; complete: boolean } | undefined {
  const n = state.measured?.keysMatching;
  if (typeof n !== "number") return undefined;
  return { count: n, complete: state.measured?.keysMatchingComplete !== false };
}
