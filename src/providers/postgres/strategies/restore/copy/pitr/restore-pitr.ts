/**
 * PITR-mode restore: recover a copy of the checkpoint's base backup to its restore point in
 * `<dataDir>__restored_<id>` on a spare port (the live server keeps serving meanwhile), start
 * the copy on a loopback port nobody else knows and let the caller replay into it, block the
 * live database and replay what came in meanwhile, then stop both servers, rename the live
 * directory to `<dataDir>__before_<id>` (kept until `backout archive prune`), rename the copy
 * into place and start it with the options the live server had (postmaster.opts). So the
 * restored cluster accepts application connections only once the replay is complete.
 * Idempotent: the directories are this rollback's own, and the marker files that name the
 * rollback (the recovered copy's, the kept directory's) say how far an earlier call got; a
 * killed call leaves servers running that the next one stops or reuses.
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BackoutError, type ErrorLocation } from "../../../../../../core/errors.js";
import { readKeptDir } from "../markers.js";
import { type Runtime, safePoint, uncancelled } from "../runtime.js";
import { KEPT_DIR_MARKER, restoreDirs } from "../names.js";
import { startCopy, stopIfRunning } from "./copy-server.js";
import { failed, isRunning, pgCtl, pgCtlFor, startFast, startOptions, stopFast } from "./pg-ctl.js";
import { isRecovered, RECOVERED_MARKER, recoverCopy } from "./recovery.js";
import { freePort } from "../../../../../../process/free-port.js";
import { waitArchived } from "./wal.js";

export interface RestorePitrOptions {
  /** The live cluster's data directory. */
  dataDir: string;
  /** pg_basebackup -Fp directory taken at the checkpoint. */
  baseBackup: string;
  /** Directory the server's archive_command copies WAL to. */
  walArchive: string;
  /** restore_command for recovery (default: cp from walArchive), e.g. pgbackrest archive-get. */
  restoreCommand?: string;
  /** pg_create_restore_point name recorded at the checkpoint. */
  restorePoint: string;
  rollbackId: string;
  pgBin: string;
  redact: (text: string) => string;
  /** The live server: when given, its current WAL segment is switched and archived first, so the restore point is in the archive. */
  url?: string;
  /** Port for the recovering copy (default: a free loopback port). */
  sparePort?: number;
  /** Recovery time limit (default 10 min). */
  timeoutMs?: number;
  where?: ErrorLocation;
  hooks?: PitrHooks;
  /** The engine's clock and the step's signal (default: system clock, never cancelled). */
  runtime?: Runtime;
}

/**
 * What the caller does around the swap (the recovered copy has no slot: pg_basebackup copies
 * none, so every drain is of the live server). In order: whileLive, replay, block, replay.
 */
export interface PitrHooks {
  /**
   * The live server runs and the copy is recovered (also on a resume, maybe after a killed
   * run blocked the live database): let connections in again, drain the slot.
   */
  whileLive?: () => Promise<void>;
  /**
   * The recovered copy runs on 127.0.0.1:`port`: replay the capture store into it. Called
   * while the live server still serves (the bulk), and again after `block` (the rest).
   */
  replay?: (port: number) => Promise<void>;
  /** Refuse connections to the live database, end its sessions, drain the slot a last time. */
  block?: () => Promise<void>;
  /** Let connections in again: a step between `block` and the live server's stop failed. */
  unblock?: () => Promise<void>;
}

export interface RestorePitrResult {
  restoredFrom: string;
  /** The pre-rollback data directory, kept until `backout archive prune`. */
  keptAs: string;
  did: "restored" | "finished-swap" | "nothing";
  recoveryMs: number;
  /** How long the live server was down (stop → started again). */
  downtimeMs: number;
  /** How long the live database refused connections or was down (block → started again). */
  blockedMs: number;
  /** The loopback port the recovered copy served on until the swap (when this call started it). */
  copyPort?: number;
  /** Where the blocked time went (a swap done by this call). */
  phases?: PitrPhases;
}

export interface PitrPhases {
  /** Refusing connections, ending sessions, the last drain (the block hook). */
  blockMs: number;
  /** The last replay into the copy. */
  replayMs: number;
  /** Stopping the recovered copy and the live server, together (their shutdown checkpoints). */
  stopMs: number;
  /** Each server's own stop, within stopMs: which one the block waits for. */
  copyStopMs: number;
  liveStopMs: number;
  /** Renaming the directories and starting the restored cluster on the live port. */
  swapStartMs: number;
}

export async function restorePitr(opts: RestorePitrOptions): Promise<RestorePitrResult> {
  const where = opts.where ?? {};
  const rt = opts.runtime ?? uncancelled();
  const { clock } = rt;
  const live = opts.dataDir;
  const { restored, before: kept } = restoreDirs(live, opts.rollbackId);
  const ctl = await pgCtlFor(existsSync(live) ? live : kept, opts.pgBin, opts.redact, where);
  const result = (
    did: RestorePitrResult["did"],
    recoveryMs = 0,
    downtimeMs = 0,
    blockedMs = downtimeMs,
  ): RestorePitrResult => ({
    restoredFrom: opts.baseBackup,
    keptAs: kept,
    did,
    recoveryMs,
    downtimeMs,
    blockedMs,
  });
  const options = startOptions(existsSync(live) ? live : kept);

  // Done only if the kept directory carries this rollback's marker (written before its rename).
  if (existsSync(live) && readKeptDir(kept)?.rollbackId === opts.rollbackId && !existsSync(restored)) {
    if (!(await isRunning(ctl, live))) await start(ctl, live, options);
    return result("nothing");
  }
  if (!existsSync(live) && existsSync(kept) && isRecovered(restored)) {
    const t = clock.now();
    await stopIfRunning(ctl, restored, "fast");
    await swapIn(ctl, live, restored, kept, opts.rollbackId, options, clock);
    return result("finished-swap", 0, clock.now() - t);
  }
  if (!existsSync(live) || existsSync(kept)) {
    throw new BackoutError(
      "PROVIDER_FAILED",
      opts.redact(
        `cannot tell how far the restore of ${live} got (${kept} exists, ${live} ${existsSync(live) ? "exists" : "is missing"})`,
      ),
      {
        where,
        hint: `Someone moved these directories by hand. Put the data directory the server should run on at ${live}, then resume.`,
      },
    );
  }
  // A run killed after stopping the live server, before the renames: nothing was swapped yet,
  // so the old cluster serves again (and its slot can be drained) until this run blocks it.
  if (!(await isRunning(ctl, live))) await start(ctl, live, options);
  let recoveryMs = 0;
  if (!isRecovered(restored)) {
    safePoint(rt, where, "the copy is recovered");
    await stopIfRunning(ctl, restored, "immediate");
    rmSync(restored, { recursive: true, force: true });
    if (opts.url) await waitArchived(opts.url, opts.redact, where, clock);
    const st = statSync(live);
    recoveryMs = await recoverCopy(
      ctl,
      {
        baseBackup: opts.baseBackup,
        walArchive: opts.walArchive,
        ...(opts.restoreCommand ? { restoreCommand: opts.restoreCommand } : {}),
        restorePoint: opts.restorePoint,
        into: restored,
        port: opts.sparePort ?? (await freePort()),
        ...(ctl.user ? { owner: `${st.uid}:${st.gid}` } : {}),
        timeoutMs: opts.timeoutMs ?? 600_000,
      },
      rt,
    );
  }
  const hooks = opts.hooks ?? {};
  await hooks.whileLive?.();
  // A killed run's copy may still run, on a port nobody knows any more.
  await stopIfRunning(ctl, restored, "fast");
  safePoint(rt, where, "the replay");
  const port = opts.sparePort ?? (await freePort());
  await startCopy(ctl, restored, port);
  let blockedAt: number | undefined;
  const marks: number[] = [];
  try {
    await hooks.replay?.(port);
    safePoint(rt, where, "the live database is blocked");
    blockedAt = clock.now();
    await hooks.block?.();
    marks.push(clock.now());
    await hooks.replay?.(port);
    marks.push(clock.now());
    // The last safe point: from the stop of the live server on, the swap runs to its end.
    safePoint(rt, where, "the swap");
  } catch (e) {
    await stopIfRunning(ctl, restored, "fast").catch(() => undefined);
    // Nothing is swapped: the application gets its database back (a resume starts over from here).
    if (blockedAt !== undefined) await hooks.unblock?.().catch(() => undefined);
    throw e;
  }
  // Both servers stop at once (each writes its shutdown checkpoint): the block and the downtime
  // last one stop, not two. The new cluster must take over the live port and data directory, so
  // the live server has to stop and the restored one start on its port: that much downtime is
  // physical; the checkpoints before the block keep the stops short.
  const t = clock.now();
  const stopTimes = { copy: 0, live: 0 };
  const timed = async (which: keyof typeof stopTimes, dir: string): Promise<void> => {
    await stopFast(ctl, dir, clock);
    stopTimes[which] = clock.now() - t;
  };
  const [copyStop, liveStop] = await Promise.allSettled([timed("copy", restored), timed("live", live)]);
  if (copyStop.status === "rejected") {
    // Nothing is swapped: the old cluster serves again (a resume starts over from the replay).
    await stopIfRunning(ctl, restored, "immediate").catch(() => undefined);
    if (liveStop.status === "fulfilled") await start(ctl, live, options);
    await hooks.unblock?.().catch(() => undefined);
    throw copyStop.reason;
  }
  if (liveStop.status === "rejected") throw liveStop.reason;
  const stopped = clock.now();
  await swapIn(ctl, live, restored, kept, opts.rollbackId, options, clock);
  const now = clock.now();
  const [blocked = blockedAt, replayed = blocked] = marks;
  return {
    ...result("restored", recoveryMs, now - t, now - blockedAt),
    copyPort: port,
    phases: {
      blockMs: blocked - blockedAt,
      replayMs: replayed - blocked,
      // The safe point between the replay and the stops takes no time worth a phase of its own.
      stopMs: stopped - replayed,
      copyStopMs: stopTimes.copy,
      liveStopMs: stopTimes.live,
      swapStartMs: now - stopped,
    },
  };
}

async function swapIn(
  ctl: Awaited<ReturnType<typeof pgCtlFor>>,
  live: string,
  restored: string,
  kept: string,
  rollbackId: string,
  options: string,
  clock: Runtime["clock"],
): Promise<void> {
  if (existsSync(live)) {
    // The marker first: a crash after the rename still leaves the kept copy prunable.
    writeFileSync(
      join(live, KEPT_DIR_MARKER),
      JSON.stringify({ rollbackId, at: new Date(clock.now()).toISOString() }),
    );
    renameSync(live, kept);
  }
  renameSync(restored, live);
  rmSync(join(live, RECOVERED_MARKER), { force: true });
  // The base backup copied whatever marker the live directory had then: it is not a kept copy.
  rmSync(join(live, KEPT_DIR_MARKER), { force: true });
  await start(ctl, live, options, clock);
}

/** Starts the cluster with the live server's options; with `clock`, waits by polling (the swap's start). */
async function start(
  ctl: Awaited<ReturnType<typeof pgCtlFor>>,
  dataDir: string,
  options: string,
  clock?: Runtime["clock"],
): Promise<void> {
  const log = join(dataDir, "backout-start.log");
  const args = ["-l", log, ...(options ? ["-o", options] : [])];
  let ok = false;
  try {
    if (clock !== undefined) ok = await startFast(ctl, dataDir, args, clock);
    else {
      await pgCtl(ctl, ["-D", dataDir, ...args, "-w", "-t", "120", "start"]);
      ok = true;
    }
  } catch {
    ok = false;
  }
  if (!ok) {
    throw failed(
      ctl,
      `the restored cluster in ${dataDir} did not start`,
      "Read the log above, fix the cause and resume (the restore is not repeated).",
      log,
    );
  }
}
