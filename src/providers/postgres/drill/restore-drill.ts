/**
 * `backout drill --restore`: proves restore-and-replay to a checkpoint before it is needed, and
 * says how long it would take now. On a scratch database: restore the checkpoint's dump, replay
 * a copy of the writes since (the slot is peeked, never consumed), check the invariant against
 * the data, and compare the schema with the checkpoint's. The live database is only read.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { schemaFingerprint } from "../capture/fingerprint.js";
import { replayChanges } from "../strategies/restore/replay/index.js";
import { summaryLines } from "../strategies/restore/report.js";
import { connectAdmin } from "../strategies/restore/copy/admin.js";
import { createLike } from "../strategies/restore/copy/create-copy.js";
import { pgRestore } from "../strategies/restore/copy/pg-restore.js";
import { quoteIdent } from "../sql/quote.js";
import { openCaptureStore } from "../strategies/restore/snapshot/capture-store.js";
import { slotExists } from "../strategies/restore/snapshot/drain.js";
import type { SnapshotRecord } from "../strategies/restore/snapshot/types.js";
import { connectUrl, withDatabase, DRILL_APP } from "../connection/client.js";
import { peekSlot } from "./peek-slot.js";

export interface RestoreDrillInput {
  component: string;
  url: string;
  checkpoint: { id: string; name: string };
  snapshot: SnapshotRecord;
  /** The schema fingerprint recorded at the checkpoint. */
  fingerprint: string | undefined;
  schema: string;
  archiveSchema: string;
  historyTables: string[];
  historyTable?: string;
  exclude: string[];
  until?: string;
  pgBin?: string;
  redact: (t: string) => string;
}

export interface RestoreDrillReport {
  component: string;
  checkpoint: string;
  mode: "dump" | "pitr";
  /** Changes in the slot (the writes since the checkpoint), copied for the drill. */
  changes: number;
  captureMs: number;
  restoreMs: number;
  replayMs: number;
  totalMs: number;
  /** The replay's report lines: per table, the window, the invariant. */
  replay: string[];
  schemaMatches: boolean;
  problems: string[];
  clean: boolean;
}

/** A report with nothing done yet (problems make it not clean). */
export function emptyReport(
  component: string,
  checkpoint: { id: string; name: string },
  mode: "dump" | "pitr",
  problems: string[] = [],
): RestoreDrillReport {
  return {
    component,
    checkpoint: `${checkpoint.name} (${checkpoint.id})`,
    mode,
    changes: 0,
    captureMs: 0,
    restoreMs: 0,
    replayMs: 0,
    totalMs: 0,
    replay: [],
    schemaMatches: false,
    problems,
    clean: problems.length === 0,
  };
}

export async function runRestoreDrill(input: RestoreDrillInput): Promise<RestoreDrillReport> {
  const started = performance.now();
  const report = emptyReport(input.component, input.checkpoint, input.snapshot.mode);
  const finish = (): RestoreDrillReport => ({
    ...report,
    clean: report.problems.length === 0,
    totalMs: Math.round(performance.now() - started),
  });
  if (input.snapshot.mode !== "dump" || input.snapshot.dumpFile === undefined) {
    report.problems.push(
      "the restore drill needs a dump snapshot (snapshot: dump); a PITR drill would recover a whole cluster copy and is not built",
    );
    return finish();
  }
  const dir = mkdtempSync(join(tmpdir(), "backout-drill-"));
  const store = openCaptureStore(join(dir, "capture.db"));
  const scratch = `${input.snapshot.database}__drill_${randomBytes(3).toString("hex")}`;
  const admin = await connectAdmin(input.url, input.redact, { component: input.component });
  try {
    const live = await connectUrl(input.url, DRILL_APP);
    try {
      if (!(await slotExists(live, input.snapshot.slot))) {
        report.problems.push(
          `the replication slot ${input.snapshot.slot} is gone: a restore now would lose every write since the checkpoint`,
        );
        return finish();
      }
      const t = performance.now();
      report.changes = await peekSlot(live, input.snapshot.slot, store, input.historyTables);
      report.captureMs = Math.round(performance.now() - t);
    } finally {
      await live.end().catch(() => undefined);
    }
    let t = performance.now();
    await createLike(admin, input.snapshot.database, scratch);
    await pgRestore({
      url: input.url,
      database: scratch,
      dumpFile: input.snapshot.dumpFile,
      ...(input.pgBin === undefined ? {} : { pgBin: input.pgBin }),
      jobs: 2,
      redact: input.redact,
      where: { component: input.component },
    });
    report.restoreMs = Math.round(performance.now() - t);
    const db = await connectUrl(withDatabase(input.url, scratch), DRILL_APP);
    try {
      t = performance.now();
      const summary = await replayChanges(db, store, {
        rollbackId: `drill-${input.checkpoint.id}`,
        archiveSchema: input.archiveSchema,
        exclude: input.exclude,
        ...(input.until === undefined ? {} : { until: input.until }),
        historyTables: input.historyTables,
      });
      report.replayMs = Math.round(performance.now() - t);
      report.replay = summaryLines(summary, store.count(), report.replayMs);
      if (!summary.invariantHolds) report.problems.push(`replay: ${summary.invariantDetail}`);
      const fp = await schemaFingerprint(db, input);
      report.schemaMatches = input.fingerprint === undefined || fp.hash === input.fingerprint;
      if (!report.schemaMatches)
        report.problems.push("the restored schema differs from the one recorded at the checkpoint");
    } finally {
      await db.end().catch(() => undefined);
    }
    return finish();
  } catch (e) {
    report.problems.push(input.redact(e instanceof Error ? e.message : String(e)));
    return finish();
  } finally {
    await admin.client
      .query(`DROP DATABASE IF EXISTS ${quoteIdent(scratch)} WITH (FORCE)`)
      .catch(() => undefined);
    await admin.client.end().catch(() => undefined);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
