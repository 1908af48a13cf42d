/**
 * apply() of the restore strategy's steps. Every step is idempotent: draining stores each
 * transaction once, the restore knows from the database names how far it got, and the replay
 * keeps its progress in the restored database itself.
 */
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type pg from "pg";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext, StepResult } from "../../core/provider.js";
import { withPostgres } from "./connect.js";
import { replayChanges } from "./replay/index.js";
import { quoteIdent } from "./sql/quote.js";
import { restoreParams, type RestoreParams } from "./restore-params.js";
import { summaryLines } from "./restore-report.js";
import { restoreDump, restoreNames, restorePitr } from "./restore/index.js";
import { readSettings, type PostgresSettings } from "./settings.js";
import { drainSlot, openCaptureStore } from "./snapshot/index.js";

/** Written next to the capture store once the slot is drained for the last time (after the swap). */
export const completeMarker = (captureFile: string): string => `${captureFile}.complete`;

export async function applyRestoreStep(
  ctx: ProviderContext<PostgresSettings>,
  step: PlannedStep,
): Promise<StepResult> {
  const params = restoreParams(step);
  const where: ErrorLocation = { component: ctx.component.name, step: step.id };
  if (ctx.signal.aborted) throw new BackoutError("STEP_CANCELLED", "step cancelled before it ran", { where });
  switch (step.action) {
    case "capture-changes":
      return { output: await capture(ctx, params, where, readSettings(ctx).url) };
    case "restore-snapshot":
      return restore(ctx, params, where);
    default:
      return replay(ctx, params, where);
  }
}

/** Drains the slot when it lives in the database at `url`; says why not otherwise. */
async function capture(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
  url: string,
): Promise<string> {
  if (!params.slotIntact) return `the slot ${params.snapshot.slot} is gone: nothing to capture`;
  if (existsSync(completeMarker(params.captureFile)))
    return "the capture is complete (the slot was drained after the swap)";
  const settings = { ...readSettings(ctx), url };
  return withPostgres(ctx, settings, where, async ({ client }) => {
    const here = await client.query(
      "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()",
      [params.snapshot.slot],
    );
    if (here.rows.length === 0) return `the slot ${params.snapshot.slot} is not in this database`;
    const store = openCaptureStore(params.captureFile);
    try {
      const r = await drainSlot(client, params.snapshot.slot, store, { historyTables: params.historyTables });
      return `captured ${r.added} changes (${store.count()} in the store, up to ${store.lastCommitLsn() ?? "-"})`;
    } finally {
      store.close();
    }
  });
}

async function restore(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
): Promise<StepResult> {
  const settings = readSettings(ctx);
  const rollbackId = rollbackIdOf(ctx);
  const lines: string[] = [];
  // A run killed inside the swap leaves the live database refusing connections (the safe
  // state); let them in again so this run can drain it, then block them again in the swap.
  if (params.snapshot.mode === "dump") await allowConnections(settings.url);
  // Right before the swap: what committed since the capture step.
  lines.push(`before the swap: ${await capture(ctx, params, where, settings.url)}`);
  if (params.snapshot.mode === "pitr") {
    lines.push(await restoreCluster(ctx, settings, params, rollbackId, where));
    // The old cluster is stopped: its slot cannot be drained again (see restorePitr's window).
    return { output: ctx.redact(lines.join("\n")) };
  }
  if (params.snapshot.dumpFile === undefined) {
    throw new BackoutError("PLAN_INVALID", "the checkpoint's snapshot record has no dump file", {
      where,
      hint: "Take a new checkpoint with snapshot: dump, or roll back with strategy: reverse.",
    });
  }
  const pgBin = ctx.env.BACKOUT_PG_BIN ?? settings.pitr?.pgBin;
  // The replay happens inside the swap, while the live database refuses connections: the last
  // drain and the whole replay land in the restored copy before anyone can write to it, so no
  // application write can fall between the swap and the end of the replay.
  const drainer = await connectTo(settings.url);
  const pid = Number((await drainer.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid);
  let replayed: string | undefined;
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
      beforeSwap: async () => {
        if (params.slotIntact) {
          const store = openCaptureStore(params.captureFile);
          try {
            const d = await drainSlot(drainer, params.snapshot.slot, store, {
              historyTables: params.historyTables,
            });
            lines.push(`while writes were blocked: captured ${d.added} more changes`);
          } finally {
            store.close();
          }
        }
        await drainer.end().catch(() => undefined);
        const restoredName = restoreNames(databaseOf(settings.url), rollbackId).restored;
        replayed = await replayInto(ctx, params, where, withDatabase(settings.url, restoredName));
      },
    });
  } finally {
    await drainer.end().catch(() => undefined);
  }
  if (replayed !== undefined) lines.push(`replayed before the swap:\n${replayed}`);
  lines.push(
    r.did === "nothing"
      ? `already restored (the pre-rollback database is ${r.keptAs})`
      : `restored ${params.snapshot.dumpFile} in ${r.restoreMs} ms and swapped it in; connections refused for ${r.blockedMs} ms, ${r.sessionsTerminated} sessions ended; the pre-rollback database is kept as ${r.keptAs}`,
  );
  // After the swap nothing writes to the old database any more: drain it a last time, so the
  // writes that committed between the first drain and the swap are captured too.
  const kept = withDatabase(settings.url, r.keptAs);
  lines.push(`after the swap: ${await capture(ctx, params, where, kept)}`);
  if (params.slotIntact && !existsSync(completeMarker(params.captureFile))) {
    writeFileSync(completeMarker(params.captureFile), `${new Date(ctx.clock.now()).toISOString()}\n`);
  }
  // A slot nobody drains keeps WAL forever; and DROP DATABASE (prune) refuses while it exists.
  if (params.slotIntact) await dropSlot(kept, params.snapshot.slot);
  return { output: ctx.redact(lines.join("\n")) };
}

async function replay(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
): Promise<StepResult> {
  // Dump mode replays inside the swap (restore-snapshot); this finds the progress complete and
  // reports the summary. PITR and a resumed half-done replay continue here.
  return { output: await replayInto(ctx, params, where, readSettings(ctx).url) };
}

/** Replays the capture store into the database at `url` (idempotent: progress lives in that database). */
async function replayInto(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
  url: string,
): Promise<string> {
  const settings = { ...readSettings(ctx), url };
  const rollbackId = rollbackIdOf(ctx);
  return withPostgres(ctx, settings, where, async ({ client, redact }) => {
    const store = openCaptureStore(params.captureFile);
    try {
      const started = Date.now();
      const summary = await replayChanges(client, store, {
        rollbackId,
        archiveSchema: settings.archiveSchema,
        exclude: settings.replay.exclude,
        ...(settings.replay.until === undefined ? {} : { until: settings.replay.until }),
        historyTables: params.historyTables,
      });
      const lines = summaryLines(summary, store.count(), Date.now() - started);
      if (!summary.invariantHolds) {
        throw new BackoutError("PROVIDER_FAILED", redact(`replay: ${summary.invariantDetail}`), {
          where,
          details: { summary: lines.join("\n") },
          hint: "Some captured writes are neither in the live tables nor in the archive: inspect the capture store and the archive schema before resuming.",
        });
      }
      return redact(lines.join("\n"));
    } finally {
      store.close();
    }
  });
}

async function connectTo(url: string): Promise<pg.Client> {
  const { default: pgLib } = await import("pg");
  const client = new pgLib.Client({ connectionString: url, application_name: "backout" });
  client.on("error", () => undefined);
  await client.connect();
  return client;
}

/** ALLOW_CONNECTIONS true on the URL's database if a crashed swap left it false. */
async function allowConnections(url: string): Promise<void> {
  const database = databaseOf(url);
  const admin = await connectTo(withDatabase(url, "postgres"));
  try {
    const r = await admin.query<{ allowed: boolean }>(
      "SELECT datallowconn AS allowed FROM pg_database WHERE datname = $1",
      [database],
    );
    if (r.rows[0]?.allowed === false) {
      await admin.query(`ALTER DATABASE ${quoteIdent(database)} ALLOW_CONNECTIONS true`);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

/** PITR: recover the base backup to the restore point in a new data directory, swap it in. */
async function restoreCluster(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  params: RestoreParams,
  rollbackId: string,
  where: ErrorLocation,
): Promise<string> {
  const pitr = settings.pitr;
  const { baseBackup, walArchive } = params.snapshot;
  if (pitr === undefined || baseBackup === undefined || walArchive === undefined) {
    throw new BackoutError("CONFIG_INVALID", "snapshot: pitr needs the pitr settings and a base backup", {
      where: { ...where, field: "pitr" },
      hint: "Add pitr: { dataDir, walArchive } to the component and take a new checkpoint.",
    });
  }
  const r = await restorePitr({
    dataDir: resolve(ctx.baseDir, pitr.dataDir),
    baseBackup,
    walArchive,
    ...(pitr.restoreCommand === undefined ? {} : { restoreCommand: pitr.restoreCommand }),
    restorePoint: params.snapshot.restorePoint,
    rollbackId,
    pgBin: ctx.env.BACKOUT_PG_BIN ?? pitr.pgBin,
    redact: (t) => ctx.redact(t),
    url: settings.url,
    where,
  });
  return r.did === "nothing"
    ? `already restored (the pre-rollback data directory is ${r.keptAs})`
    : `recovered ${baseBackup} to ${params.snapshot.restorePoint} in ${r.recoveryMs} ms and swapped it in; the server was down ${r.downtimeMs} ms; the pre-rollback data directory is kept as ${r.keptAs}`;
}

function rollbackIdOf(ctx: ProviderContext<PostgresSettings>): string {
  return ctx.env.BACKOUT_ROLLBACK_ID ?? `manual-${new Date(ctx.clock.now()).toISOString()}`;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function dropSlot(url: string, slot: string): Promise<void> {
  // A logical slot is dropped from a session on its own database.
  const client = await connectTo(url);
  try {
    await client.query(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()",
      [slot],
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
