/**
 * The restore strategy: back to the checkpoint's snapshot, keeping every write made since.
 * Three steps for the component (phase main, in order): capture-changes (drain the checkpoint's
 * slot into the capture store), restore-snapshot (drain again, restore the dump or the base
 * backup and swap it in), replay-changes (apply the captured user writes onto it).
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { ComponentState, StepSpec } from "../../../../core/model.js";
import type { ProviderContext } from "../../../../core/provider.js";
import type { Queryable } from "../../connection/queryable.js";
import { historyTablesFor, type RestoreParams } from "./params.js";
import type { PostgresSettings } from "../../settings.js";
import { captureFileFor } from "./snapshot/paths.js";
import { freeSlots, noFreeSlotWarning } from "./snapshot/settle.js";
import type { SnapshotRecord } from "./snapshot/types.js";
import type { MigrationLayout } from "../../layouts/layout.js";

// Guesses for the estimate: pg_restore of a custom-format dump, replay at the goal rate.
const RESTORE_BYTES_PER_MS = 20_000;
// Logical decoding reads every WAL record since the checkpoint, other databases' too.
const DECODE_BYTES_PER_MS = 30_000;
const BASE_MS = 500;

export interface RestoreSituation {
  /** The slot exists in the live database and still holds every change since the checkpoint. */
  slotIntact: boolean;
  /** pitr: the cluster's other databases, rewound with it (their writes since are lost). */
  otherDatabases: string[];
  /** WAL written since the slot's position: what the capture has to decode. */
  pendingWalBytes: number;
  /** Replication slots free now, and max_replication_slots (the settle step needs one). */
  slots: { free: number; max: number };
}

/** What the plan must know about the live server: is the slot usable, what else would PITR rewind. */
export async function restoreSituation(db: Queryable, snapshot: SnapshotRecord): Promise<RestoreSituation> {
  // wal_status "lost": the server removed WAL the slot needed (max_slot_wal_keep_size).
  const slot = await db.query<{ ok: boolean; pending: string | null }>(
    `SELECT database = current_database() AND coalesce(wal_status, '') <> 'lost' AS ok,
            pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS pending
       FROM pg_replication_slots WHERE slot_name = $1`,
    [snapshot.slot],
  );
  let otherDatabases: string[] = [];
  if (snapshot.mode === "pitr") {
    const r = await db.query<{ datname: string }>(
      `SELECT datname FROM pg_database
        WHERE NOT datistemplate AND datname <> current_database() AND datname <> 'postgres'
          AND datname NOT LIKE '%\\_\\_before\\_%' AND datname NOT LIKE '%\\_\\_restored\\_%'
        ORDER BY 1`,
    );
    otherDatabases = r.rows.map((x) => x.datname);
  }
  return {
    slotIntact: slot.rows[0]?.ok === true,
    otherDatabases,
    pendingWalBytes: Math.max(0, Number(slot.rows[0]?.pending ?? 0)),
    slots: await freeSlots(db),
  };
}

/** The capture store of this component and checkpoint (outside the database being restored). */
export function captureFileOf(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  snapshot: SnapshotRecord,
): string {
  if (snapshot.checkpointId !== undefined) return captureFileFor(ctx, snapshot.checkpointId);
  // Records written before the checkpoint id was kept: named after the restore point.
  const key = snapshot.restorePoint.replace(/[^A-Za-z0-9_.-]/g, "_");
  return resolve(ctx.baseDir, settings.captureDir, `${ctx.component.name}-${key}.db`);
}

export function restoreSteps(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  layout: Pick<MigrationLayout, "format" | "historyTable">,
  current: ComponentState,
  target: ComponentState,
  snapshot: SnapshotRecord,
  situation: RestoreSituation,
  why: string,
): StepSpec[] {
  const name = ctx.component.name;
  const params: RestoreParams = {
    strategy: "restore",
    snapshot,
    captureFile: captureFileOf(ctx, settings, snapshot),
    historyTables: historyTablesFor(layout, settings.historyTable),
    slotIntact: situation.slotIntact,
  };
  const json = params as unknown as Record<string, unknown>;
  const taken = new Date(snapshot.createdAt).toISOString();
  const losses: string[] = [];
  if (!situation.slotIntact)
    losses.push(
      `writes since the checkpoint cannot be replayed: the replication slot ${snapshot.slot} is gone (dropped, or its WAL was removed), so every write to ${snapshot.database} after ${taken} is lost`,
    );
  if (situation.otherDatabases.length > 0)
    losses.push(
      `point-in-time restore rewinds the whole cluster: writes since ${taken} to ${situation.otherDatabases.join(", ")} (not part of this rollback) are lost`,
    );
  const source =
    snapshot.mode === "dump"
      ? `the dump ${snapshot.dumpFile ?? "?"} into a new database and swap it in (the current one is kept as ${snapshot.database}__before_<rollback> until \`backout archive prune\`)`
      : `the base backup ${snapshot.baseBackup ?? "?"} to restore point ${snapshot.restorePoint} into a new data directory and swap it in (the current one is kept until \`backout archive prune\`)`;
  const restoreSummary =
    losses.length > 0
      ? losses.join("; ")
      : "no data loss: every write since the checkpoint is captured before the swap and replayed after it";
  return [
    {
      action: "capture-changes",
      description: ctx.redact(
        `drain the replication slot ${snapshot.slot} of ${name} into the capture store (writes since checkpoint ${taken}: ${mebibytes(situation.pendingWalBytes)} of WAL to decode; ${why})`,
      ),
      phase: "main",
      target: current,
      params: json,
      risk: {
        dataLoss: false,
        summary: situation.slotIntact
          ? "reads the writes made since the checkpoint; changes nothing"
          : "nothing to capture: the slot is gone",
      },
      reversible: true,
      estimateMs: BASE_MS + Math.round(situation.pendingWalBytes / DECODE_BYTES_PER_MS),
    },
    {
      action: "restore-snapshot",
      description: ctx.redact(
        `restore ${name} to checkpoint ${taken}: ${source}` +
          (situation.slotIntact && situation.slots.free === 0
            ? `; WARNING: ${noFreeSlotWarning(situation.slots.max)}`
            : ""),
      ),
      phase: "main",
      target,
      params: json,
      risk: { dataLoss: losses.length > 0, summary: ctx.redact(restoreSummary) },
      reversible: true,
      estimateMs: BASE_MS + estimateRestoreMs(snapshot),
    },
    {
      action: "replay-changes",
      description: ctx.redact(
        `replay the captured user writes onto the restored ${name} (migration transactions skipped; writes to tables or columns it lacks go to ${settings.archiveSchema}.replay_unmapped)`,
      ),
      phase: "main",
      target,
      params: json,
      risk: {
        dataLoss: false,
        summary: ctx.redact(replaySummary(target)),
      },
      reversible: false,
      estimateMs: BASE_MS,
    },
  ];
}

function estimateRestoreMs(snapshot: SnapshotRecord): number {
  if (snapshot.dumpFile === undefined) return 0;
  try {
    return Math.round(statSync(snapshot.dumpFile).size / RESTORE_BYTES_PER_MS);
  } catch {
    return 0;
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function replaySummary(target: ComponentState): string {
  const base = "replays every captured write, or archives it with its keys; nothing is dropped";
  const keyless = target.details?.uncapturedTables;
  if (!Array.isArray(keyless) || keyless.length === 0) return base;
  return `${base}; updates and deletes of ${keyless.join(", ")} (no primary key or replica identity) cannot be matched to a row, so they go to the archive instead of being replayed`;
}
