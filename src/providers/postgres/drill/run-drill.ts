/**
 * One drill of one component: find the pending migrations (files the history does not list),
 * make a scratch copy, run the round trip there, judge every down, and always drop the copy.
 */
import type { DataLossPolicy } from "../../../core/model.js";
import { withToolSql, type Migration, type MigrationLayout } from "../layouts/layout.js";
import { connectUrl, DRILL_APP } from "../connection/client.js";
import { judgeDown, judgeUp } from "./down-risk.js";
import { hasDown, roundTrip } from "./round-trip.js";
import { createScratch } from "./scratch.js";
import type { DrillReport, MigrationDrill } from "./types.js";

export interface DrillInput {
  component: string;
  url: string;
  format: string;
  layout: MigrationLayout;
  /** Every migration file, oldest first. */
  migrations: Migration[];
  schema: string;
  archiveSchema: string;
  historyTable?: string;
  policy: DataLossPolicy;
  /** The component takes snapshots and may restore them (strategy auto or restore). */
  restorable?: boolean;
  statementTimeoutMs: number;
  /** Rows per table when the scratch copy is schema plus sample. */
  sampleRows: number;
  pgBin?: string;
  forceSample?: boolean;
  maintenanceDb?: string;
}

async function appliedOn(url: string, layout: MigrationLayout): Promise<string[]> {
  const db = await connectUrl(url, DRILL_APP);
  try {
    return await layout.appliedVersions(db);
  } finally {
    await db.end().catch(() => undefined);
  }
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function runDrill(input: DrillInput): Promise<DrillReport> {
  const started = performance.now();
  const applied = await appliedOn(input.url, input.layout);
  const done = new Set(applied);
  // node-pg-migrate JS/TS migrations: the same dry-run SQL plan stores, so drill and plan agree.
  const pending = await withToolSql(
    input.layout,
    input.migrations,
    input.migrations.filter((m) => !done.has(m.version)),
  );
  const drills = new Map<string, MigrationDrill>(
    pending.map((m) => [
      m.version,
      {
        version: m.version,
        name: m.name,
        up: false,
        down: false,
        reapplied: false,
        findings: [],
        archived: [],
      },
    ]),
  );
  for (const m of pending) {
    const d = drills.get(m.version);
    if (!hasDown(m))
      d?.findings.push({
        kind: "no-down",
        message:
          m.downProblem === undefined
            ? "no down script: backout cannot revert it"
            : `node-pg-migrate's dry run of its down fails (${m.downProblem}): backout cannot revert it`,
      });
    if (d !== undefined) await judgeUp(m, d, input.schema, input.restorable === true);
  }
  const report: DrillReport = {
    component: input.component,
    format: input.format,
    copy: "template",
    policy: input.policy,
    applied,
    migrations: [...drills.values()],
    problems: [],
    clean: false,
    durationMs: 0,
  };
  const judged = new Set<string>();
  if (pending.length > 0) {
    const scratch = await createScratch({
      liveUrl: input.url,
      sampleRows: input.sampleRows,
      ...(input.pgBin === undefined ? {} : { pgBin: input.pgBin }),
      ...(input.forceSample === undefined ? {} : { forceSample: input.forceSample }),
      ...(input.maintenanceDb === undefined ? {} : { maintenanceDb: input.maintenanceDb }),
    });
    report.copy = scratch.copy;
    if (scratch.copy === "schema-and-sample") report.sampleRows = input.sampleRows;
    try {
      const db = await connectUrl(scratch.url, DRILL_APP);
      try {
        const copied = await input.layout.appliedVersions(db);
        if (!sameList(copied, applied)) {
          report.problems.push(
            `the scratch copy's history lists ${copied.length} applied migrations, the live one ${applied.length}: the drill's copy is not faithful`,
          );
        }
        await roundTrip(
          {
            db,
            layout: input.layout,
            pending,
            statementTimeoutMs: input.statementTimeoutMs,
            scope: {
              schema: input.schema,
              archiveSchema: input.archiveSchema,
              ...(input.historyTable === undefined ? {} : { historyTable: input.historyTable }),
            },
            beforeDown: async (m) => {
              const d = drills.get(m.version);
              if (d === undefined) return;
              judged.add(m.version);
              await judgeDown(m, d, input.policy, input.schema, db);
            },
          },
          drills,
        );
      } finally {
        await db.end().catch(() => undefined);
      }
    } finally {
      await scratch.drop();
    }
  }
  // Downs the round trip did not reach are still read: their risk is known without running them.
  for (const m of pending) {
    const d = drills.get(m.version);
    if (d && hasDown(m) && !judged.has(m.version)) await judgeDown(m, d, input.policy, input.schema);
  }
  report.clean = report.problems.length === 0 && report.migrations.every((m) => m.findings.length === 0);
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
