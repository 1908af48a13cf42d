/**
 * From a component of backout.yaml to a drill's input: the postgres settings (settings.ts),
 * the migration files and the tool's layout (detected when format: auto), and the policy in force.
 */
import type { ComponentState } from "../../../core/model.js";
import type { ProviderContext } from "../../../core/provider.js";
import { migrationSet } from "../layouts/migration-set.js";
import { durationMs, readSettings, type PostgresSettings } from "../settings.js";
import { historyTablesFor, snapshotOf } from "../strategies/restore/params.js";
import type { RestoreDrillInput } from "./restore-drill.js";
import type { DrillInput } from "./run-drill.js";

export interface DrillChoices {
  sampleRows: number;
  pgBin?: string;
  forceSample?: boolean;
}

/** The restore drill's input: the component's settings and what its checkpoint recorded. */
export async function restoreDrillInputFor(
  ctx: ProviderContext<PostgresSettings>,
  checkpoint: { id: string; name: string; state: ComponentState | undefined },
  pgBin: string | undefined,
): Promise<RestoreDrillInput | string> {
  const { component } = ctx;
  const settings = readSettings(ctx);
  const snapshot = snapshotOf(checkpoint.state?.details);
  if (snapshot === undefined)
    return `checkpoint ${checkpoint.name} took no snapshot of ${component.name} (snapshot: none when it was taken)`;
  const set = await migrationSet(ctx, settings);
  const fp = checkpoint.state?.details?.fingerprint;
  return {
    component: component.name,
    url: settings.url,
    checkpoint: { id: checkpoint.id, name: checkpoint.name },
    snapshot,
    fingerprint: typeof fp === "string" ? fp : undefined,
    schema: settings.schema,
    archiveSchema: settings.archiveSchema,
    historyTables: historyTablesFor(set.layout, settings.historyTable),
    ...(settings.historyTable === undefined ? {} : { historyTable: settings.historyTable }),
    exclude: settings.replay.exclude,
    ...(settings.replay.until === undefined ? {} : { until: settings.replay.until }),
    ...(pgBin === undefined ? {} : { pgBin }),
    redact: ctx.redact,
  };
}

export async function drillInputFor(
  ctx: ProviderContext<PostgresSettings>,
  choices: DrillChoices,
): Promise<DrillInput> {
  const { component } = ctx;
  const policy = ctx.dataLossPolicy;
  const settings = readSettings(ctx);
  const set = await migrationSet(ctx, settings);
  return {
    component: component.name,
    url: settings.url,
    format: set.format,
    layout: set.layout,
    migrations: set.migrations,
    schema: settings.schema,
    archiveSchema: settings.archiveSchema,
    ...(settings.historyTable === undefined ? {} : { historyTable: settings.historyTable }),
    policy,
    restorable: settings.snapshot !== "none" && settings.strategy !== "reverse",
    statementTimeoutMs: durationMs(settings.statementTimeout),
    sampleRows: choices.sampleRows,
    ...(choices.pgBin === undefined ? {} : { pgBin: choices.pgBin }),
    ...(choices.forceSample === undefined ? {} : { forceSample: choices.forceSample }),
  };
}
