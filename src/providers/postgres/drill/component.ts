/**
 * From a component of backout.yaml to a drill's input: the postgres settings (helper A's schema),
 * the migration files and the tool's layout (detected when format: auto), and the policy in force.
 */
import { systemClock } from "../../../core/clock.js";
import type { ComponentConfig, DataLossPolicy } from "../../../core/model.js";
import type { ProviderContext } from "../../../core/provider.js";
import { migrationSet } from "../migration-set.js";
import { durationMs, readSettings, type PostgresSettings } from "../settings.js";
import type { DrillInput } from "./run-drill.js";

export interface DrillChoices {
  sampleRows: number;
  pgBin?: string;
  forceSample?: boolean;
}

export async function drillInputFor(
  component: ComponentConfig,
  env: { baseDir: string; dataLoss: DataLossPolicy; redact: (s: string) => string },
  choices: DrillChoices,
): Promise<DrillInput> {
  const policy = component.dataLoss ?? env.dataLoss;
  const ctx: ProviderContext<PostgresSettings> = {
    component: component as ComponentConfig<PostgresSettings>,
    baseDir: env.baseDir,
    env: process.env,
    signal: new AbortController().signal,
    clock: systemClock,
    redact: env.redact,
    dataLossPolicy: policy,
  };
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
    statementTimeoutMs: durationMs(settings.statementTimeout),
    sampleRows: choices.sampleRows,
    ...(choices.pgBin === undefined ? {} : { pgBin: choices.pgBin }),
    ...(choices.forceSample === undefined ? {} : { forceSample: choices.forceSample }),
  };
}
