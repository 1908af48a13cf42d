/**
 * The swap: the restored copy takes the live database's name. New connections are refused
 * (ALLOW_CONNECTIONS false also stops superusers), every session is terminated, then both
 * renames, the comments and ALLOW_CONNECTIONS true commit in ONE transaction (RENAME DATABASE is
 * transactional), so a client sees the old database or the restored one, never no database.
 * A crash between the renames (possible only if they ran separately) is finished by finishSwap.
 */
import { type Clock, systemClock } from "../../../../../core/clock.js";
import { quoteIdent } from "../../../sql/quote.js";
import { type Runtime, safePoint, uncancelled } from "./runtime.js";
import { type Admin, terminateSessions } from "./admin.js";
import { literal } from "./create-copy.js";
import { beforeMark } from "./markers.js";
import type { RestoreNames } from "./names.js";

const OBJECT_IN_USE = "55006";
const ATTEMPTS = 5;

export interface SwapResult {
  sessionsTerminated: number;
  /** How long new connections to the live name were refused. */
  blockedMs: number;
  /** Where the blocked time went: ending sessions, the hook (last drain and replay), the renames. */
  phases?: { endSessionsMs: number; hookMs: number; renameMs: number };
}

function commentSql(db: string, text: string | null): string {
  return `COMMENT ON DATABASE ${quoteIdent(db)} IS ${text === null ? "NULL" : `'${literal(text)}'`}`;
}

/** Runs between blocking the live database and the renames (the last drain of the slot). */
export interface SwapHook {
  /** Backend pids left connected until the hook returned (the drain's own session). */
  keepSessions?: number[];
  beforeSwap?: () => Promise<void>;
}

export async function swapIn(
  admin: Admin,
  names: RestoreNames,
  rollbackId: string,
  liveComment: string | null,
  hook: SwapHook = {},
  rt: Runtime = uncancelled(),
): Promise<SwapResult> {
  const db = admin.client;
  const { clock } = rt;
  safePoint(rt, admin.where, "the live database is blocked");
  const started = clock.now();
  await db.query(`ALTER DATABASE ${quoteIdent(names.live)} ALLOW_CONNECTIONS false`);
  let terminated = 0;
  let hookStarted = started;
  let hookEnded = started;
  try {
    if (hook.beforeSwap) {
      // Nobody else can write now: what the hook drains is every write the old database got.
      terminated += await terminateSessions(admin, [names.live, names.restored], hook.keepSessions, clock);
      hookStarted = clock.now();
      await hook.beforeSwap();
      hookEnded = clock.now();
    }
    // The last safe point: once the renames begin they finish (one transaction).
    safePoint(rt, admin.where, "the swap");
    for (let attempt = 1; ; attempt++) {
      terminated += await terminateSessions(admin, [names.live, names.restored], [], clock);
      try {
        await renameAll(admin, names, rollbackId, liveComment, true, clock);
        break;
      } catch (e) {
        // A session that slipped in before the block took effect: terminate it too, try again.
        if ((e as { code?: string }).code !== OBJECT_IN_USE || attempt >= ATTEMPTS) throw e;
        await clock.sleep(100 * attempt);
      }
    }
  } catch (e) {
    // Nothing was renamed: give the application its database back before reporting.
    await db.query(`ALTER DATABASE ${quoteIdent(names.live)} ALLOW_CONNECTIONS true`).catch(() => undefined);
    throw e;
  }
  const ended = clock.now();
  return {
    sessionsTerminated: terminated,
    blockedMs: ended - started,
    phases: {
      endSessionsMs: hookStarted - started,
      hookMs: hookEnded - hookStarted,
      renameMs: ended - hookEnded,
    },
  };
}

/** Second half of an interrupted swap: the live name is free, the kept copy and the restored one exist. */
export async function finishSwap(
  admin: Admin,
  names: RestoreNames,
  rollbackId: string,
  liveComment: string | null,
  clock: Clock = systemClock,
): Promise<SwapResult> {
  const started = clock.now();
  const terminated = await terminateSessions(admin, [names.restored], [], clock);
  await renameAll(admin, names, rollbackId, liveComment, false, clock);
  return { sessionsTerminated: terminated, blockedMs: clock.now() - started };
}

async function renameAll(
  admin: Admin,
  names: RestoreNames,
  rollbackId: string,
  liveComment: string | null,
  firstRename: boolean,
  clock: Clock,
): Promise<void> {
  const db = admin.client;
  const live = quoteIdent(names.live);
  const before = quoteIdent(names.before);
  await db.query("BEGIN");
  try {
    if (firstRename) await db.query(`ALTER DATABASE ${live} RENAME TO ${before}`);
    await db.query(`ALTER DATABASE ${quoteIdent(names.restored)} RENAME TO ${live}`);
    await db.query(commentSql(names.live, liveComment));
    await db.query(commentSql(names.before, beforeMark(rollbackId, new Date(clock.now()))));
    await db.query(`ALTER DATABASE ${live} ALLOW_CONNECTIONS true`);
    // The kept copy may be inspected; nothing connects to it by accident (nobody knows its name).
    await db.query(`ALTER DATABASE ${before} ALLOW_CONNECTIONS true`);
    await db.query("COMMIT");
  } catch (e) {
    await db.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}
