/**
 * What both restore modes do around their swap: drain the slot into the capture store, replay
 * the store into a database, and the small connection helpers they share.
 */
import { existsSync, writeFileSync } from "node:fs";
import type pg from "pg";
import type { Clock } from "../../../../core/clock.js";
import type { ErrorLocation } from "../../../../core/errors.js";
import { BackoutError } from "../../../../core/errors.js";
import type { ProviderContext } from "../../../../core/provider.js";
import { connectUrl, timeoutsOf } from "../../connection/client.js";
import { withPostgres } from "../../connection/session.js";
import { replayChanges } from "./replay/index.js";
import { connectAdmin, databases } from "./copy/admin.js";
import { pruneKept } from "./copy/prune.js";
import type { RestoreParams } from "./params.js";
import { summaryLines } from "./report.js";
import { readSettings, type PostgresSettings } from "../../settings.js";
import { drainSlot, openCaptureStore, settleSlot } from "./snapshot/index.js";
import { PROGRESS_TABLE } from "./replay/ledger.js";
import { qualified, quoteIdent } from "../../sql/quote.js";
import { rollbackIdOf } from "../../rollback-id.js";

/**
 * A session for the restore's own work outside withPostgres (the drainer kept through the
 * swap, CHECKPOINT, dropping the slot) with the component's lockTimeout and statementTimeout,
 * like every other connection of the step: a lock held by someone else bounds the wait.
 */
export function stepSession(settings: PostgresSettings, url = settings.url): Promise<pg.Client> {
  return connectUrl(url, "backout", timeoutsOf(settings));
}

/**
 * How both modes' restore-snapshot starts, on the live database: a run killed inside the swap
 * leaves it refusing connections (the safe state); let them in again (the swap blocks them
 * again), then drain what committed since the capture step. Returns the report's line.
 */
export async function reopenAndDrain(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
  liveUrl: string,
): Promise<string> {
  await allowConnections(liveUrl, (t) => ctx.redact(t), where);
  return `before the swap: ${await capture(ctx, params, where, liveUrl)}`;
}

/** The session on the live database that makes the last drain, and its pid: the block's termination spares it. */
export async function openDrainer(settings: PostgresSettings): Promise<{ drainer: pg.Client; pid: number }> {
  const drainer = await stepSession(settings);
  try {
    const pid = Number((await drainer.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid);
    return { drainer, pid };
  } catch (e) {
    // The caller only ends a session it was given: one whose pid query failed would stay open.
    await drainer.end().catch(() => undefined);
    throw e;
  }
}

/** Written next to the capture store once the slot is drained for the last time (after the swap). */
export const completeMarker = (captureFile: string): string => `${captureFile}.complete`;

/** The old database or cluster takes no more writes and its slot is drained: later drains are no-ops. */
export function markCaptureComplete(ctx: ProviderContext<PostgresSettings>, params: RestoreParams): void {
  if (!params.slotIntact || existsSync(completeMarker(params.captureFile))) return;
  writeFileSync(completeMarker(params.captureFile), `${new Date(ctx.clock.now()).toISOString()}\n`);
}

/** Drains the slot when it lives in the database at `url`; says why not otherwise. */
export async function capture(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
  url: string,
): Promise<string> {
  return (await captureCounted(ctx, params, where, url)).text;
}

export interface Drained {
  added: number;
  text: string;
}

async function captureCounted(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
  url: string,
): Promise<Drained> {
  const none = (text: string): Drained => ({ added: 0, text });
  if (!params.slotIntact) return none(`the slot ${params.snapshot.slot} is gone: nothing to capture`);
  if (existsSync(completeMarker(params.captureFile)))
    return none("the capture is complete (the slot was drained after the swap)");
  const settings = { ...readSettings(ctx), url };
  return withPostgres(ctx, settings, where, async ({ client }) => {
    const here = await client.query(
      "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()",
      [params.snapshot.slot],
    );
    if (here.rows.length === 0) return none(`the slot ${params.snapshot.slot} is not in this database`);
    return drainCounted(client, params, ctx.clock);
  });
}

/** One drain of the slot on an open session of its database. */
export async function drainWith(client: pg.Client, params: RestoreParams, clock: Clock): Promise<Drained> {
  return drainCounted(client, params, clock);
}

async function drainCounted(client: pg.Client, params: RestoreParams, clock: Clock): Promise<Drained> {
  const store = openCaptureStore(params.captureFile);
  const started = clock.now();
  try {
    const r = await drainSlot(client, params.snapshot.slot, store, { historyTables: params.historyTables });
    const ms = clock.now() - started;
    return {
      added: r.added,
      text: `captured ${r.added} changes (${store.count()} in the store, up to ${store.lastCommitLsn() ?? "-"}; decoded ${mb(r.walBytes)} MB of WAL in ${ms} ms)`,
    };
  } finally {
    store.close();
  }
}

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);

/** Catch-up stops once a drain brings fewer changes than this: the rest is replayed under the block. */
const CATCH_UP_ENOUGH = 1000;
const CATCH_UP_ROUNDS = 8;

/**
 * While the live database still serves: replay the store into the restored copy (nobody else
 * knows it), drain what the application wrote meanwhile, replay again, until a drain brings
 * little. Then only that little is left for the block (a last drain, its replay and the check
 * of the rows it wrote). Returns each replay pass's summary, in order.
 */
export async function catchUp(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
  liveUrl: string,
  copyUrl: string,
  lines: string[],
): Promise<string[]> {
  const passes: string[] = [];
  for (let round = 1; ; round++) {
    passes.push(await replayInto(ctx, params, where, copyUrl));
    if (!params.slotIntact) return passes;
    const drained = await captureCounted(ctx, params, where, liveUrl);
    lines.push(`catching up while the database serves, round ${round}: ${drained.text}`);
    if (drained.added >= CATCH_UP_ENOUGH && round < CATCH_UP_ROUNDS) continue;
    // Little came in (or enough rounds ran): move the slot's restart point past the WAL written so far (the replay's
    // own, in dump mode), replay what that brought, and leave the block only what comes next.
    await settleLiveSlot(ctx, params, where, liveUrl, lines);
    passes.push(await replayInto(ctx, params, where, copyUrl));
    return passes;
  }
}

/**
 * While the database still serves: move the slot's restart point past the WAL written so far
 * (snapshot/settle.ts), so the drain under the block reads only what comes after.
 */
async function settleLiveSlot(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
  liveUrl: string,
  lines: string[],
): Promise<void> {
  const settings = { ...readSettings(ctx), url: liveUrl };
  await withPostgres(ctx, settings, where, async ({ client }) => {
    const store = openCaptureStore(params.captureFile);
    try {
      const t = ctx.clock.now();
      const r = await settleSlot(client, params.snapshot.slot, store, {
        historyTables: params.historyTables,
      });
      lines.push(
        `the slot's restart point was ${mb(r.beforeBytes)} MB of WAL behind, now ${mb(r.afterBytes)} MB (${r.drains} drains, ${r.added} changes, ${ctx.clock.now() - t} ms)`,
      );
    } finally {
      store.close();
    }
  });
}

/** A pass's rate line ("… rows replayed in … ms …"): its figures, not its cumulative counts. */
export function rateLine(pass: string | undefined): string {
  return pass?.split("\n").find((l) => / rows replayed in \d+ ms/.test(l)) ?? "-";
}

/**
 * Replays the capture store into the database at `url` (idempotent: progress lives in that
 * database). `serving`: the database already takes application writes; replaying old changes
 * onto it would set rows back, so this only goes on from a replay that the restore finished
 * before its swap (its progress row, in the same database, says so).
 */
export async function replayInto(
  ctx: ProviderContext<PostgresSettings>,
  params: RestoreParams,
  where: ErrorLocation,
  url: string,
  serving = false,
): Promise<string> {
  const settings = { ...readSettings(ctx), url };
  const rollbackId = rollbackIdOf(ctx);
  return withPostgres(ctx, settings, where, async ({ client, redact }) => {
    if (serving && !(await replayFinished(client, settings.archiveSchema, rollbackId))) {
      throw new BackoutError(
        "PROVIDER_FAILED",
        `the serving database has no finished replay of rollback ${rollbackId}: the restore did not happen in this rollback, and replaying the captured writes onto a database that takes application writes would set rows back to older values`,
        {
          where,
          hint: "Nothing was replayed. Check which database the application uses (backout status, the kept __before_ copies), then plan the rollback again.",
        },
      );
    }
    const store = openCaptureStore(params.captureFile);
    try {
      const started = ctx.clock.now();
      const summary = await replayChanges(client, store, {
        rollbackId,
        archiveSchema: settings.archiveSchema,
        exclude: settings.replay.exclude,
        ...(settings.replay.until === undefined ? {} : { until: settings.replay.until }),
        historyTables: params.historyTables,
        signal: ctx.signal,
      });
      const lines = summaryLines(summary, store.count(), ctx.clock.now() - started);
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

/**
 * keepBefore: after a successful restore, the kept pre-rollback copies beyond the newest N go.
 * A failure here does not undo the rollback: it is reported, and `backout archive prune` remains.
 */
export async function applyRetention(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  dataDir: string | undefined,
): Promise<string> {
  try {
    const removed = await pruneKept(settings.url, {
      redact: (t) => ctx.redact(t),
      keepNewest: settings.keepBefore,
      now: new Date(ctx.clock.now()),
      ...(dataDir === undefined ? {} : { dataDir }),
    });
    return removed.length === 0
      ? `keepBefore ${settings.keepBefore}: no older pre-rollback copy to remove`
      : `keepBefore ${settings.keepBefore}: removed the older pre-rollback copies ${removed.join(", ")}`;
  } catch (e) {
    return `keepBefore ${settings.keepBefore}: could not remove older pre-rollback copies (${e instanceof Error ? e.message : String(e)}); remove them with \`backout archive prune\``;
  }
}

/** True when the database holds this rollback's replay progress, marked done. */
export async function replayFinished(
  client: pg.Client,
  schema: string,
  rollbackId: string,
): Promise<boolean> {
  const table = qualified(schema, PROGRESS_TABLE);
  const exists = await client.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [table]);
  if (exists.rows[0]?.ok !== true) return false;
  const { rows } = await client.query<{ done: boolean }>(
    `SELECT coalesce((stats->>'done')::boolean, false) AS done FROM ${table} WHERE rollback_id = $1`,
    [rollbackId],
  );
  return rows[0]?.done === true;
}

/** ALLOW_CONNECTIONS true on the URL's database if a crashed swap left it false. */
export async function allowConnections(
  url: string,
  redact: (t: string) => string,
  where: ErrorLocation,
): Promise<void> {
  const admin = await connectAdmin(url, redact, where);
  try {
    const found = (await databases(admin, [admin.live])).get(admin.live);
    if (found?.allowConn === false) {
      await admin.client.query(`ALTER DATABASE ${quoteIdent(admin.live)} ALLOW_CONNECTIONS true`);
    }
  } finally {
    await admin.client.end().catch(() => undefined);
  }
}
