import type { ReplaySummary } from "./snapshot/types.js";

/**
 * The replay's lines for the step output (and so the report): the time window, per table what
 * was replayed, archived and skipped, the speed, and the "nothing lost" invariant as checked.
 */
export function summaryLines(summary: ReplaySummary, stored: number, elapsedMs: number): string[] {
  const lines = [`writes committed from ${summary.window.from ?? "-"} to ${summary.window.to ?? "-"}`];
  let replayed = 0;
  for (const [table, c] of Object.entries(summary.tables).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`${table}: ${c.replayed} replayed, ${c.archived} archived, ${c.skipped} skipped`);
    replayed += c.replayed;
  }
  // The check of the tables runs inside the replay call: its time is reported on its own.
  const checkMs = Math.min(elapsedMs, summary.checkedMs ?? 0);
  const replayMs = elapsedMs - checkMs;
  // The rate is this call's rows over this call's time: `tables` counts every pass since the first.
  const pass = summary.passReplayed ?? replayed;
  const rate = replayMs > 0 ? `${Math.round((pass / replayMs) * 1000)} rows/s` : "no time measured";
  lines.push(
    `${summary.migrationChangesSkipped} migration changes not replayed; ${stored} changes in the capture store, ${replayed} rows replayed in all; this pass: ${pass} rows replayed in ${replayMs} ms (${rate})` +
      (summary.checkedMs === undefined ? "" : `, then checked against the tables in ${checkMs} ms`),
  );
  lines.push(
    summary.invariantHolds
      ? `invariant holds: ${summary.invariantDetail}`
      : `invariant FAILED: ${summary.invariantDetail}`,
  );
  return lines;
}
