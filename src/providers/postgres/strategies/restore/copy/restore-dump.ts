/**
 * Dump-mode restore: pg_restore the checkpoint's dump into `<db>__restored_<id>`, then swap it
 * in under the live name, keeping the pre-rollback database as `<db>__before_<id>`. Idempotent:
 * the names are this rollback's own, and the markers in the copies' comments (the restored
 * copy's completion mark, the kept copy's mark written in the swap's transaction, both naming
 * the rollback) say how far an earlier call got; this call does only the rest, and after the
 * swap it is a no-op.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { BackoutError, type ErrorLocation } from "../../../../../core/errors.js";
import { pgFailure } from "../../../errors.js";
import { quoteIdent } from "../../../sql/quote.js";
import { type Admin, connectAdmin, databases } from "./admin.js";
import { createLike, literal } from "./create-copy.js";
import { parseBeforeMark, restoredMark, restoringMark, userComment } from "./markers.js";
import { restoreNames, type RestoreNames } from "./names.js";
import { pgRestore } from "./pg-restore.js";
import { type Runtime, safePoint, uncancelled } from "./runtime.js";
import { finishSwap, swapIn, type SwapResult } from "./swap.js";

export interface RestoreDumpOptions {
  /** The live database's url (a secret: only ever shown redacted). */
  url: string;
  /** pg_dump -Fc file taken at the checkpoint. */
  dumpFile: string;
  rollbackId: string;
  /** Directory of pg_restore (default: PATH). */
  pgBin?: string;
  redact: (text: string) => string;
  /** pg_restore --jobs (default: up to 4, by CPUs). */
  jobs?: number;
  where?: ErrorLocation;
  /**
   * Called once the live database refuses connections and every session but `keepSessions`
   * is gone, right before the renames: drain the slot here, so no write escapes the capture.
   */
  beforeSwap?: () => Promise<void>;
  /**
   * Called once the restored copy is complete, while the live database still serves, right
   * before it is blocked: replay the bulk of the captured writes into the copy here.
   */
  beforeBlock?: () => Promise<void>;
  keepSessions?: number[];
  /** The engine's clock and the step's signal (default: system clock, never cancelled). */
  runtime?: Runtime;
}

export interface RestoreDumpResult {
  restoredFrom: string;
  /** Name of the pre-rollback database, kept until `backout archive prune`. */
  keptAs: string;
  /** What this call did: restored and swapped, only finished a swap, or nothing (already done). */
  did: "restored" | "finished-swap" | "nothing";
  restoreMs: number;
  sessionsTerminated: number;
  /** How long the live name refused connections. */
  blockedMs: number;
  /** Where the blocked time went (a swap done by this call). */
  phases?: SwapResult["phases"];
}

export async function restoreDump(opts: RestoreDumpOptions): Promise<RestoreDumpResult> {
  const admin = await connectAdmin(opts.url, opts.redact, opts.where);
  try {
    return await restoreWith(admin, opts);
  } catch (e) {
    // Retryable only when the SQLSTATE says so (a lost connection, a lock): not every error is.
    throw pgFailure(e, admin.redact, admin.where ?? {});
  } finally {
    await admin.client.end().catch(() => undefined);
  }
}

async function restoreWith(admin: Admin, opts: RestoreDumpOptions): Promise<RestoreDumpResult> {
  const rt = opts.runtime ?? uncancelled();
  const names = restoreNames(admin.live, opts.rollbackId);
  const found = await databases(admin, [names.live, names.restored, names.before]);
  const live = found.get(names.live);
  const restored = found.get(names.restored);
  const before = found.get(names.before);
  const result = (
    did: RestoreDumpResult["did"],
    restoreMs = 0,
    swap: SwapResult = { sessionsTerminated: 0, blockedMs: 0 },
  ) => ({
    restoredFrom: opts.dumpFile,
    keptAs: names.before,
    did,
    restoreMs,
    ...swap,
  });

  // Done only if the swap's own transaction marked the kept copy as this rollback's.
  const swapped = parseBeforeMark(before?.comment ?? null)?.rollbackId === opts.rollbackId;
  if (live && before && !restored && swapped) {
    // Done already; a manual half-fix could leave the live name closed: open it.
    if (!live.allowConn)
      await admin.client.query(`ALTER DATABASE ${quoteIdent(names.live)} ALLOW_CONNECTIONS true`);
    return result("nothing");
  }
  if (!live && before && restored?.comment === restoredMark(opts.rollbackId)) {
    return result(
      "finished-swap",
      0,
      await finishSwap(admin, names, opts.rollbackId, userComment(before.comment), rt.clock),
    );
  }
  if (!live || before) throw unexpected(admin, names, [...found.keys()]);

  let restoreMs = 0;
  if (restored?.comment !== restoredMark(opts.rollbackId)) {
    safePoint(rt, admin.where, "the snapshot is restored");
    if (restored) await admin.client.query(`DROP DATABASE ${quoteIdent(names.restored)} WITH (FORCE)`);
    restoreMs = await restoreCopy(admin, names, opts, rt);
  }
  await opts.beforeBlock?.();
  return result(
    "restored",
    restoreMs,
    await swapIn(
      admin,
      names,
      opts.rollbackId,
      userComment(live.comment),
      {
        ...(opts.beforeSwap ? { beforeSwap: opts.beforeSwap } : {}),
        ...(opts.keepSessions ? { keepSessions: opts.keepSessions } : {}),
      },
      rt,
    ),
  );
}

async function restoreCopy(
  admin: Admin,
  names: RestoreNames,
  opts: RestoreDumpOptions,
  rt: Runtime,
): Promise<number> {
  if (!existsSync(opts.dumpFile)) {
    throw new BackoutError(
      "PROVIDER_FAILED",
      admin.redact(`the checkpoint's dump ${opts.dumpFile} is missing`),
      {
        where: admin.where,
        hint: "The dump taken at the checkpoint was moved or deleted (snapshotDir). Restore it from a copy to the same path and resume, or roll back with strategy reverse.",
      },
    );
  }
  await createLike(admin, names.live, names.restored);
  const comment = (text: string) =>
    admin.client.query(`COMMENT ON DATABASE ${quoteIdent(names.restored)} IS '${literal(text)}'`);
  await comment(restoringMark(opts.rollbackId));
  const ms = await pgRestore({
    url: opts.url,
    database: names.restored,
    dumpFile: opts.dumpFile,
    ...(opts.pgBin ? { pgBin: opts.pgBin } : {}),
    jobs: opts.jobs ?? Math.min(4, availableParallelism()),
    redact: admin.redact,
    where: admin.where,
    // Cancelling pg_restore is safe: the copy is not marked complete, a resume drops it.
    signal: rt.signal,
  });
  // Only a complete restore is marked: a copy without the mark is dropped and done again.
  await comment(restoredMark(opts.rollbackId));
  return ms;
}

function unexpected(admin: Admin, names: RestoreNames, existing: string[]): BackoutError {
  return new BackoutError(
    "PROVIDER_FAILED",
    admin.redact(
      `cannot tell how far the restore got: of ${names.live}, ${names.restored} and ${names.before}, only ${existing.join(", ") || "none"} exist`,
    ),
    {
      where: admin.where,
      hint: `Someone renamed or dropped these databases by hand. Make ${names.live} the database the application should use (and drop ${names.restored} if it is not complete), then resume.`,
    },
  );
}
