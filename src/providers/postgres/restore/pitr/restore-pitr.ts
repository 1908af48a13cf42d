/**
 * PITR-mode restore: recover a copy of the checkpoint's base backup to its restore point in
 * `<dataDir>__restored_<id>` on a spare port (the live server keeps serving meanwhile), then
 * stop the live server, rename its directory to `<dataDir>__before_<id>` (kept until
 * `backout archive prune`), rename the recovered one into place and start it with the options
 * the live server had (postmaster.opts). Idempotent: the directories that exist and the
 * recovered copy's marker file say how far an earlier call got.
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BackoutError, type ErrorLocation } from "../../../../core/errors.js";
import { KEPT_DIR_MARKER, shortId, RESTORED_INFIX, BEFORE_INFIX } from "../names.js";
import { failed, isRunning, pgCtl, pgCtlFor, startOptions } from "./pg-ctl.js";
import { isRecovered, RECOVERED_MARKER, recoverCopy } from "./recovery.js";
import { freeLoopbackPort, waitArchived } from "./wal.js";

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
  /**
   * Called after recovery, right before the live server is stopped: block writers and drain
   * the slot here (the recovered copy has no slot: pg_basebackup does not copy them).
   */
  beforeStop?: () => Promise<void>;
}

export interface RestorePitrResult {
  restoredFrom: string;
  /** The pre-rollback data directory, kept until `backout archive prune`. */
  keptAs: string;
  did: "restored" | "finished-swap" | "nothing";
  recoveryMs: number;
  /** How long the live server was down (stop → started again). */
  downtimeMs: number;
}

export async function restorePitr(opts: RestorePitrOptions): Promise<RestorePitrResult> {
  const where = opts.where ?? {};
  const id = shortId(opts.rollbackId);
  const live = opts.dataDir;
  const restored = `${live}${RESTORED_INFIX}${id}`;
  const kept = `${live}${BEFORE_INFIX}${id}`;
  const ctl = await pgCtlFor(existsSync(live) ? live : kept, opts.pgBin, opts.redact, where);
  const result = (did: RestorePitrResult["did"], recoveryMs = 0, downtimeMs = 0): RestorePitrResult => ({
    restoredFrom: opts.baseBackup,
    keptAs: kept,
    did,
    recoveryMs,
    downtimeMs,
  });
  const options = startOptions(existsSync(live) ? live : kept);

  if (existsSync(live) && existsSync(kept) && !existsSync(restored)) {
    if (!(await isRunning(ctl, live))) await start(ctl, live, options);
    return result("nothing");
  }
  if (!existsSync(live) && existsSync(kept) && isRecovered(restored)) {
    const t = Date.now();
    await swapIn(ctl, live, restored, kept, opts.rollbackId, options);
    return result("finished-swap", 0, Date.now() - t);
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
  let recoveryMs = 0;
  if (!isRecovered(restored)) {
    rmSync(restored, { recursive: true, force: true });
    if (opts.url) await waitArchived(opts.url, opts.redact, where);
    const st = statSync(live);
    recoveryMs = await recoverCopy(ctl, {
      baseBackup: opts.baseBackup,
      walArchive: opts.walArchive,
      ...(opts.restoreCommand ? { restoreCommand: opts.restoreCommand } : {}),
      restorePoint: opts.restorePoint,
      into: restored,
      port: opts.sparePort ?? (await freeLoopbackPort()),
      ...(ctl.user ? { owner: `${st.uid}:${st.gid}` } : {}),
      timeoutMs: opts.timeoutMs ?? 600_000,
    });
  }
  if (opts.beforeStop) await opts.beforeStop();
  const t = Date.now();
  if (await isRunning(ctl, live)) await pgCtl(ctl, ["-D", live, "-m", "fast", "-w", "stop"]);
  await swapIn(ctl, live, restored, kept, opts.rollbackId, options);
  return result("restored", recoveryMs, Date.now() - t);
}

async function swapIn(
  ctl: Awaited<ReturnType<typeof pgCtlFor>>,
  live: string,
  restored: string,
  kept: string,
  rollbackId: string,
  options: string,
): Promise<void> {
  if (existsSync(live)) {
    // The marker first: a crash after the rename still leaves the kept copy prunable.
    writeFileSync(join(live, KEPT_DIR_MARKER), JSON.stringify({ rollbackId, at: new Date().toISOString() }));
    renameSync(live, kept);
  }
  renameSync(restored, live);
  rmSync(join(live, RECOVERED_MARKER), { force: true });
  await start(ctl, live, options);
}

async function start(
  ctl: Awaited<ReturnType<typeof pgCtlFor>>,
  dataDir: string,
  options: string,
): Promise<void> {
  const log = join(dataDir, "backout-start.log");
  try {
    await pgCtl(ctl, [
      "-D",
      dataDir,
      "-l",
      log,
      "-w",
      "-t",
      "120",
      ...(options ? ["-o", options] : []),
      "start",
    ]);
  } catch {
    throw failed(
      ctl,
      `the restored cluster in ${dataDir} did not start`,
      "Read the log above, fix the cause and resume (the restore is not repeated).",
      log,
    );
  }
}
