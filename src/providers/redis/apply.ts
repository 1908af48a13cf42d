import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext, StepResult } from "../../core/provider.js";
import { withRedis } from "./client.js";
import { MARKER_TTL_SECONDS, stepMarkerKey, warmedKey, writeMarkers } from "./markers.js";
import { unlinkMatching } from "./scan.js";
import { readSettings, type RedisSettings } from "./settings.js";
import { flushParams } from "./step-params.js";
import { redisTarget } from "./url.js";
import { runWarmup } from "./warmup.js";

const OUTPUT_TAIL = 2000;

/**
 * Flush (SCAN + UNLINK, or FLUSHDB ASYNC when the settings still allow it), record the step's
 * marker, then warm up and record that too. Idempotent: when this step's flush marker already
 * exists (a retry or a resume after an interrupted warm-up) the flush is skipped, so keys the
 * app wrote since are kept, and the warm-up runs again.
 */
export async function applyRedis(
  ctx: ProviderContext<RedisSettings>,
  step: PlannedStep,
): Promise<StepResult> {
  const settings = readSettings(ctx);
  const params = flushParams(step);
  const where: ErrorLocation = { component: ctx.component.name, step: step.id };
  // Checked again at apply time: the settings may have changed since the plan was approved.
  if (params.mode === "database" && !settings.flushDatabase) {
    throw new BackoutError(
      "PLAN_INVALID",
      `step ${step.id} empties the whole database, which is not allowed`,
      {
        where,
        hint: "Set flushDatabase: true on the component to allow FLUSHDB, or make a new plan (it will use patterns).",
      },
    );
  }
  if (ctx.signal.aborted)
    throw new BackoutError("STEP_CANCELLED", "step cancelled before the flush", { where });
  const markerKey = stepMarkerKey(ctx.rollbackId, step.id);
  const lines = await withRedis(ctx, settings, where, async ({ redis, target }) => {
    const done = markerKey === undefined ? null : await redis.get(markerKey);
    if (done !== null) return [`already flushed by this step at ${done}; not flushing again`];
    let line: string;
    if (params.mode === "database") {
      await redis.flushdb("ASYNC");
      line = `FLUSHDB ASYNC on database ${target.db}`;
    } else {
      const deleted = await unlinkMatching(redis, {
        patterns: params.patterns,
        batchSize: params.batchSize,
        signal: ctx.signal,
        where,
      });
      line = `deleted ${deleted} keys matching ${params.patterns.join(", ")}`;
    }
    await writeMarkers(redis, markerKey, new Date(ctx.clock.now()).toISOString());
    return [line];
  });
  if (settings.warmup) {
    const out = await runWarmup(ctx, settings.warmup, redisTarget(settings.url).scrub, step.id);
    lines.push(out === "" ? "warmed up" : `warm-up: ${out}`);
    // Only now is the step done: a resume after a crash during the warm-up runs it again.
    if (markerKey !== undefined) {
      await withRedis(ctx, settings, where, async ({ redis }) => {
        await redis.set(
          warmedKey(markerKey),
          new Date(ctx.clock.now()).toISOString(),
          "EX",
          MARKER_TTL_SECONDS,
        );
      });
    }
  }
  const text = ctx.redact(lines.join("\n"));
  return { output: text.length > OUTPUT_TAIL ? `…${text.slice(-OUTPUT_TAIL)}` : text };
}
