/**
 * apply() of the restore strategy's steps. Every step is idempotent: draining stores each
 * transaction once, the restore knows from the database names how far it got, and the replay
 * keeps its progress in the restored database itself.
 */
import { BackoutError, type ErrorLocation } from "../../../../core/errors.js";
import type { PlannedStep } from "../../../../core/model.js";
import type { ProviderContext, StepResult } from "../../../../core/provider.js";
import { withDatabase } from "../../connection/client.js";
import { pgFailure } from "../../errors.js";
import { pgTarget } from "../../connection/url.js";
import {
  applyRetention,
  capture,
  catchUp,
  markCaptureComplete,
  drainWith,
  openDrainer,
  reopenAndDrain,
  replayInto,
  rateLine,
  stepSession,
} from "./apply-shared.js";
import { rollbackIdOf } from "../../rollback-id.js";
import { restoreCluster } from "./apply-pitr.js";
import { restoreParams, type RestoreParams } from "./params.js";
import { restoreDump, restoreNames } from "./copy/index.js";
import { readSettings, type PostgresSettings } from "../../settings.js";

export async function applyRestoreStep(
  ctx: ProviderContext<PostgresSettings>,
  step: PlannedStep,
): Promise<StepResult> {
  const params = restoreParams(step);
  const where: ErrorLocation = { component: ctx.component.name, step: step.id };
  if (ctx.signal.aborted) throw new BackoutError("STEP_CANCELLED", "step cancelled before it ran", { where });
  try {
    switch (step.action) {
      case "capture-changes":
        return { output: await capture(ctx, params, where, readSettings(ctx).url) };
      case "restore-snapshot":
        return await restore(ctx, params, where);
      default:
        return await replay(ctx, params, where);
    }
  } catch (e) {
    // Retryable or not by SQLSTATE (errors.ts), never by a catch-all.
    throw pgFailure(e, (t) => ctx.redact(t), where);
  }
}

async function restore(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
): Promise<StepResult> {
  const settings = readSettings(ctx);
  // PITR drains, blocks and replays around its own swap (the live server may be down on a resume).
  if (params.snapshot.mode === "pitr") return { output: await restoreCluster(ctx, settings, params, where) };
  const rollbackId = rollbackIdOf(ctx);
  const lines: string[] = [];
  lines.push(await reopenAndDrain(ctx, params, where, settings.url));
  if (params.snapshot.dumpFile === undefined) {
    throw new BackoutError("PLAN_INVALID", "the checkpoint's snapshot record has no dump file", {
      where,
      hint: "Take a new checkpoint with snapshot: dump, or roll back with strategy: reverse.",
    });
  }
  const pgBin = ctx.env.BACKOUT_PG_BIN ?? settings.pitr?.pgBin;
  // The bulk of the replay runs while the live database still serves, into the restored copy
  // nobody else knows (catching up from the slot in rounds). Only the last drain and its replay
  // run inside the swap, while the live database refuses connections: they land in the restored
  // copy before anyone can write to it, so no application write can fall between the swap and
  // the end of the replay, and the block lasts as long as that small delta, not the whole replay.
  const restoredUrl = withDatabase(
    settings.url,
    restoreNames(pgTarget(settings.url).database, rollbackId).restored,
  );
  const { drainer, pid } = await openDrainer(settings);
  let replayed: string | undefined;
  let replayedMs = 0;
  let lastCatchUp: string | undefined;
  let r;
  try {
    r = await restoreDump({
      url: settings.url,
      dumpFile: params.snapshot.dumpFile,
      rollbackId,
      ...(pgBin === undefined ? {} : { pgBin }),
      redact: (t) => ctx.redact(t),
      where,
      keepSessions: [pid],
      runtime: { clock: ctx.clock, signal: ctx.signal },
      beforeBlock: async () => {
        const t = ctx.clock.now();
        const passes = await catchUp(ctx, params, where, settings.url, restoredUrl, lines);
        lastCatchUp = passes.at(-1);
        lines.push(
          `replayed while the database served in ${ctx.clock.now() - t} ms (${passes.length} passes), the first: ${rateLine(passes[0])}`,
        );
      },
      beforeSwap: async () => {
        const last = params.slotIntact ? await drainWith(drainer, params, ctx.clock) : undefined;
        if (last !== undefined) lines.push(`while writes were blocked: ${last.text}`);
        // Not awaited: the swap's own wait for the live database's sessions covers its exit.
        void drainer.end().catch(() => undefined);
        // The catch-up's last pass replayed every change stored before this drain: when it
        // brought nothing, the copy is complete and checked, and the block ends with the swap.
        if (last?.added === 0) return;
        const t = ctx.clock.now();
        replayed = await replayInto(ctx, params, where, restoredUrl);
        replayedMs = ctx.clock.now() - t;
      },
    });
  } finally {
    await drainer.end().catch(() => undefined);
  }
  if (replayed !== undefined)
    lines.push(`replayed the last writes while blocked, before the swap, in ${replayedMs} ms:\n${replayed}`);
  // Nothing new arrived under the block: the last catch-up pass is the replay that stands, and
  // its check of the tables (the "nothing lost" invariant) is what the report must show.
  else if (lastCatchUp !== undefined)
    lines.push(`nothing new while blocked; the last pass before the block:\n${lastCatchUp}`);
  if (r.phases !== undefined) {
    const p = r.phases;
    lines.push(
      `connections refused for ${r.blockedMs} ms: ending sessions ${p.endSessionsMs} ms, last drain and replay ${p.hookMs} ms, renames ${p.renameMs} ms`,
    );
  }
  lines.push(
    r.did === "nothing"
      ? `already restored (the pre-rollback database is ${r.keptAs})`
      : `restored ${params.snapshot.dumpFile} in ${r.restoreMs} ms and swapped it in; connections refused for ${r.blockedMs} ms, ${r.sessionsTerminated} sessions ended; the pre-rollback database is kept as ${r.keptAs}`,
  );
  // After the swap nothing writes to the old database any more: drain it a last time, so the
  // writes that committed between the first drain and the swap are captured too.
  const kept = withDatabase(settings.url, r.keptAs);
  lines.push(`after the swap: ${await capture(ctx, params, where, kept)}`);
  markCaptureComplete(ctx, params);
  // A slot nobody drains keeps WAL forever; and DROP DATABASE (prune) refuses while it exists.
  if (params.slotIntact) await dropSlot(settings, kept, params.snapshot.slot);
  if (r.did !== "nothing") lines.push(await applyRetention(ctx, settings, undefined));
  return { output: ctx.redact(lines.join("\n")) };
}

async function replay(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
): Promise<StepResult> {
  // Both modes replay before their swap (restore-snapshot); this finds the progress complete
  // and reports the summary.
  return { output: await replayInto(ctx, params, where, readSettings(ctx).url, true) };
}

async function dropSlot(settings: PostgresSettings, url: string, slot: string): Promise<void> {
  // A logical slot is dropped from a session on its own database.
  const client = await stepSession(settings, url);
  try {
    await client.query(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()",
      [slot],
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
