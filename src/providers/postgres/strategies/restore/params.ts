import * as z from "zod";
import type { PlannedStep } from "../../../../core/model.js";
import type { SnapshotRecord } from "./snapshot/types.js";
import type { MigrationLayout } from "../../layouts/layout.js";
import { notMadeBy, readStepParams } from "../../../step-params.js";

/** The three steps of a rollback by restore-and-replay, in the order they run. */
export const RESTORE_ACTIONS = ["capture-changes", "restore-snapshot", "replay-changes"] as const;
export type RestoreAction = (typeof RESTORE_ACTIONS)[number];

export const snapshotSchema = z.looseObject({
  mode: z.enum(["dump", "pitr"]),
  checkpointId: z.string().min(1).optional(),
  slot: z.string().min(1),
  slotLsn: z.string(),
  restorePoint: z.string(),
  restoreLsn: z.string(),
  dumpFile: z.string().optional(),
  baseBackup: z.string().optional(),
  walArchive: z.string().optional(),
  database: z.string(),
  createdAt: z.number(),
});

const paramsSchema = z.object({
  strategy: z.literal("restore"),
  snapshot: snapshotSchema,
  /** Absolute path of the capture store (SQLite) the slot drains into. */
  captureFile: z.string().min(1),
  /** Tables whose transactions belong to migrations (marked, not replayed). */
  historyTables: z.array(z.string()),
  /** False when the plan found the slot gone: the writes since the checkpoint are given up. */
  slotIntact: z.boolean(),
});

export interface RestoreParams {
  strategy: "restore";
  snapshot: SnapshotRecord;
  captureFile: string;
  historyTables: string[];
  slotIntact: boolean;
}

export function isRestoreStep(step: PlannedStep): boolean {
  return (RESTORE_ACTIONS as readonly string[]).includes(step.action) && step.params.strategy === "restore";
}

export function restoreParams(step: PlannedStep): RestoreParams {
  return readStepParams(
    paramsSchema,
    step,
    "has no valid restore-and-replay parameters",
    notMadeBy("postgres"),
  );
}

/** The checkpoint's snapshot record, when the checkpoint took one (snapshot: dump | pitr). */
export function snapshotOf(details: Record<string, unknown> | undefined): SnapshotRecord | undefined {
  const parsed = snapshotSchema.safeParse(details?.snapshot);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The migration tool's history table(s), whose transactions are migrations, not user writes.
 * node-pg-migrate's table is wherever the project's options put it (--migrations-schema,
 * --migrations-table), which its layout resolved: a fixed "pgmigrations" would count the
 * tool's own transactions as user writes and replay them after a restore.
 */
export function historyTablesFor(
  layout: Pick<MigrationLayout, "format" | "historyTable">,
  override: string | undefined,
): string[] {
  if (override !== undefined) return [override];
  switch (layout.format) {
    case "node-pg-migrate":
      return [layout.historyTable ?? "pgmigrations"];
    case "sqitch":
      return ["sqitch.changes", "sqitch.events", "sqitch.tags", "sqitch.dependencies"];
    case "flyway":
      return ["flyway_schema_history"];
    default:
      return ["schema_migrations"];
  }
}
