/**
 * restore-snapshot for `snapshot: pitr`: recover the base backup to the restore point, replay
 * every captured write into the recovered copy while nobody else can reach it, and only then
 * swap it in. Writes to the live database stop (ALLOW_CONNECTIONS false, sessions ended) before
 * the last drain, so the store holds every write the old cluster got, and the restored cluster
 * starts for the application with the replay complete: no replayed old change can overwrite a
 * newer application write.
 */
import { resolve } from "node:path";
import type pg from "pg";
import type { Clock } from "../../../../core/clock.js";
import { BackoutError, type ErrorLocation } from "../../../../core/errors.js";
import type { ProviderContext } from "../../../../core/provider.js";
import {
  allowConnections,
  applyRetention,
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
import type { RestoreParams } from "./params.js";
import { type Admin, connectAdmin, terminateSessions } from "./copy/admin.js";
import { restorePitr } from "./copy/index.js";
import type { PostgresSettings } from "../../settings.js";
import { quoteIdent } from "../../sql/quote.js";
import { archiveCaughtUp } from "./copy/pitr/wal.js";

export async function restoreCluster(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  params: RestoreParams,
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
  const redact = (t: string): string => ctx.redact(t);
  const lines: string[] = [];
  const replays: string[] = [];
  let replayMs = 0;
  let sessionsEnded = 0;
  let blocked = false;
  let lastDrainEmpty = false;
  let sessions: BlockSessions | undefined;
  const replay = async (port: number): Promise<void> => {
    const t = ctx.clock.now();
    const copy = atPort(settings.url, port);
    // Before the block: catch up from the slot in rounds while the live database serves; after
    // it, only the last drain's changes (and only their rows are checked).
    if (blocked && lastDrainEmpty) return;
    if (blocked) replays.push(await replayInto(ctx, params, where, copy));
    else {
      replays.push(...(await catchUp(ctx, params, where, settings.url, copy, lines)));
      // Both servers stop under the block, each with a shutdown checkpoint that writes every
      // buffer dirtied since the last one (the whole replay, on the copy): write them now.
      lines.push(
        `checkpoints before the block: the copy ${await checkpoint(settings, copy, ctx.clock)}, the live server ${await checkpoint(settings, settings.url, ctx.clock)}`,
      );
      // Their stops also archive every finished WAL segment (the replay wrote many on the copy).
      const [copyArchived, liveArchived] = await Promise.all([
        archiveCaughtUp(copy, ctx.clock),
        archiveCaughtUp(settings.url, ctx.clock),
      ]);
      lines.push(`WAL archived before the block: the copy ${copyArchived}, the live server ${liveArchived}`);
      sessions ??= await openBlockSessions(settings, redact, where);
    }
    replayMs += ctx.clock.now() - t;
  };
  let r;
  try {
    r = await restorePitr({
      dataDir: resolve(ctx.baseDir, pitr.dataDir),
      baseBackup,
      walArchive,
      ...(pitr.restoreCommand === undefined ? {} : { restoreCommand: pitr.restoreCommand }),
      ...(pitr.sparePort === undefined ? {} : { sparePort: pitr.sparePort }),
      restorePoint: params.snapshot.restorePoint,
      rollbackId: rollbackIdOf(ctx),
      pgBin: ctx.env.BACKOUT_PG_BIN ?? pitr.pgBin,
      redact,
      url: settings.url,
      where,
      runtime: { clock: ctx.clock, signal: ctx.signal },
      hooks: {
        whileLive: async () => {
          lines.push(await reopenAndDrain(ctx, params, where, settings.url));
        },
        replay,
        block: async () => {
          blocked = true;
          sessions ??= await openBlockSessions(settings, redact, where);
          const b = await block(sessions, params, lines, where, ctx.clock);
          sessionsEnded = b.ended;
          // The catch-up's last pass replayed every change stored before the block's drain.
          lastDrainEmpty = params.slotIntact && b.added === 0;
        },
        unblock: () => allowConnections(settings.url, redact, where),
      },
    });
  } finally {
    if (sessions) await closeBlockSessions(sessions);
  }
  // The old cluster is stopped for good: its slot (in the kept directory) gets nothing new.
  markCaptureComplete(ctx, params);
  if (r.did === "nothing") {
    lines.push(`already restored (the pre-rollback data directory is ${r.keptAs})`);
  } else if (r.did === "finished-swap") {
    lines.push(
      `finished the swap in ${r.downtimeMs} ms (the replay was complete); the pre-rollback data directory is kept as ${r.keptAs}`,
    );
  } else {
    const [first, last] = [replays.at(0), replays.at(-1)];
    if (first !== undefined && replays.length > 1)
      lines.push(
        `replayed into the recovered copy while the database served, the first pass: ${rateLine(first)}`,
      );
    if (last !== undefined) lines.push(`replayed into the recovered copy before the swap:\n${last}`);
    if (r.phases !== undefined) {
      const p = r.phases;
      lines.push(
        `connections refused for ${r.blockedMs} ms: blocking and the last drain ${p.blockMs} ms, last replay ${p.replayMs} ms, stopping both servers ${p.stopMs} ms, of which the copy's stop ${p.copyStopMs} ms, the live server's stop ${p.liveStopMs} ms, renames and start ${p.swapStartMs} ms`,
      );
    }
    lines.push(
      `recovered ${baseBackup} to ${params.snapshot.restorePoint} in ${r.recoveryMs} ms; replay ${replayMs} ms in ${replays.length} passes (of which the check of the tables ${checkedMs(replays)} ms); the database refused connections for ${r.blockedMs} ms (${sessionsEnded} sessions ended) of which the server was down ${r.downtimeMs} ms; the pre-rollback data directory is kept as ${r.keptAs}; the recovered copy served on 127.0.0.1:${r.copyPort ?? "?"} until the swap`,
    );
  }
  if (r.did !== "nothing")
    lines.push(await applyRetention(ctx, settings, resolve(ctx.baseDir, pitr.dataDir)));
  return redact(lines.join("\n"));
}

/** The sessions the block works through, opened while the database still serves (connecting is slow under load). */
interface BlockSessions {
  admin: Admin;
  /** On the live database: the last drain; kept through the block. */
  drainer: pg.Client;
  pid: number;
}

async function openBlockSessions(
  settings: PostgresSettings,
  redact: (t: string) => string,
  where: ErrorLocation,
): Promise<BlockSessions> {
  const admin = await connectAdmin(settings.url, redact, where);
  try {
    return { admin, ...(await openDrainer(settings)) };
  } catch (e) {
    await admin.client.end().catch(() => undefined);
    throw e;
  }
}

async function closeBlockSessions(s: BlockSessions): Promise<void> {
  await Promise.all([s.drainer.end().catch(() => undefined), s.admin.client.end().catch(() => undefined)]);
}

/**
 * ALLOW_CONNECTIONS false on the live database, every other session of it ended, then the last
 * drain on a session opened before the block. Returns how many sessions were ended and how
 * many changes the drain brought.
 */
async function block(
  s: BlockSessions,
  params: RestoreParams,
  lines: string[],
  where: ErrorLocation,
  clock: Clock,
): Promise<{ ended: number; added: number }> {
  const { admin, drainer, pid } = s;
  await admin.client.query(`ALTER DATABASE ${quoteIdent(admin.live)} ALLOW_CONNECTIONS false`);
  let ended = await terminateSessions(admin, [admin.live], [pid], clock);
  let added = 0;
  // Nobody else can write now: what this drains is every write the old cluster got. A
  // session still starting up when the block took effect may have got in: end it, drain again.
  for (let round = 1; ; round++) {
    if (params.slotIntact) {
      const d = await drainWith(drainer, params, clock);
      added += d.added;
      lines.push(`while writes were blocked: ${d.text}`);
    }
    const late = await terminateSessions(admin, [admin.live], [pid], clock);
    ended += late;
    if (late === 0) return { ended, added };
    if (round >= 5) {
      throw new BackoutError(
        "PROVIDER_FAILED",
        admin.redact(`sessions keep connecting to ${admin.live} although it refuses connections`),
        {
          where,
          retryable: true,
          hint: "Stop the clients that reconnect (a superuser pooler?), then resume.",
        },
      );
    }
  }
}

/** CHECKPOINT (superuser or pg_checkpoint); without the privilege the shutdown does the work. */
async function checkpoint(settings: PostgresSettings, url: string, clock: Clock): Promise<string> {
  const client = await stepSession(settings, url);
  try {
    const t = clock.now();
    await client.query("CHECKPOINT");
    return `in ${clock.now() - t} ms`;
  } catch (e) {
    return `skipped (${e instanceof Error ? e.message : String(e)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL of the recovered copy: same user, password and database, on 127.0.0.1:`port`. */
function atPort(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(port);
  u.searchParams.delete("host");
  u.searchParams.delete("port");
  return u.toString();
}

/** The time the passes spent checking the tables against the replay (each reports its own). */
function checkedMs(passes: string[]): number {
  let ms = 0;
  for (const p of passes)
    for (const m of p.matchAll(/then checked against the tables in (\d+) ms/g)) ms += Number(m[1]);
  return ms;
}
