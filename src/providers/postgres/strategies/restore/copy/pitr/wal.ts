/** Helpers around the live server's WAL: make sure the restore point reached the archive. */
import { type Clock, systemClock } from "../../../../../../core/clock.js";
import { BackoutError, type ErrorLocation } from "../../../../../../core/errors.js";
import { openPgClient } from "../../../../connection/client.js";

/**
 * pg_switch_wal() and wait (up to 60 s) until the archiver has archived that segment: the
 * restore point's record must be in the archive before recovery can stop at it.
 */
export async function waitArchived(
  url: string,
  redact: (t: string) => string,
  where: ErrorLocation,
  clock: Clock = systemClock,
): Promise<void> {
  const client = await openPgClient(url);
  try {
    const { rows } = await client.query<{ wal: string }>("SELECT pg_walfile_name(pg_switch_wal()) AS wal");
    const wal = rows[0]?.wal ?? "";
    const until = clock.now() + 60_000;
    for (;;) {
      const r = await client.query<{ last: string | null }>(
        "SELECT last_archived_wal AS last FROM pg_stat_archiver",
      );
      const last = r.rows[0]?.last ?? "";
      // Same timeline: segment names compare in WAL order.
      if (last.length === 24 && last >= wal) return;
      if (clock.now() > until) {
        throw new BackoutError(
          "PROVIDER_FAILED",
          redact(`WAL segment ${wal} was not archived within 60 s (last archived: ${last || "none"})`),
          {
            where,
            retryable: true,
            hint: "Check the server's archive_command and pg_stat_archiver (failed_count, last_failed_wal), then resume.",
          },
        );
      }
      await clock.sleep(100);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Waits (up to `limitMs`) until the server at `url` has no finished WAL segment waiting for its
 * archive_command. A fast shutdown archives every such segment before the server exits: the
 * recovered copy's replay writes many, and their archiving must not happen under the block.
 * Only a wait: on a timeout, or without the right to list archive_status (superuser or
 * pg_monitor), it says so and the shutdown does the rest.
 */
export async function archiveCaughtUp(url: string, clock: Clock, limitMs = 30_000): Promise<string> {
  let client;
  try {
    client = await openPgClient(url, { timeouts: { lockTimeoutMs: 5_000, statementTimeoutMs: 10_000 } });
  } catch (e) {
    return `not checked (${e instanceof Error ? e.message : String(e)})`;
  }
  const started = clock.now();
  try {
    for (;;) {
      const { rows } = await client.query<{ ready: number }>(
        "SELECT count(*)::int AS ready FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'",
      );
      const ready = rows[0]?.ready ?? 0;
      const ms = clock.now() - started;
      if (ready === 0) return `in ${ms} ms`;
      if (ms > limitMs) return `${ready} segments still waiting after ${ms} ms`;
      await clock.sleep(50);
    }
  } catch (e) {
    return `not checked (${e instanceof Error ? e.message : String(e)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}
