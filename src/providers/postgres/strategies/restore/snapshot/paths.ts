import { join, resolve } from "node:path";
import type { ProviderContext } from "../../../../../core/provider.js";
import { readSettings, type PostgresSettings } from "../../../settings.js";

function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, "_");
}

/** <captureDir>/<component>-<checkpointId>.db: the capture store of one checkpoint's slot. */
export function captureFileFor(ctx: ProviderContext<PostgresSettings>, checkpointId: string): string {
  const settings = readSettings(ctx);
  return resolve(
    ctx.baseDir,
    settings.captureDir,
    `${fileSafe(ctx.component.name)}-${fileSafe(checkpointId)}.db`,
  );
}

/** <snapshotDir>/<component>/: every snapshot of one component, so retention sees only its own. */
export function snapshotDirOf(ctx: ProviderContext<PostgresSettings>): string {
  return resolve(ctx.baseDir, readSettings(ctx).snapshotDir, fileSafe(ctx.component.name));
}

/** <snapshotDir>/<component>/<checkpointId>.dump (dump mode). */
export function dumpFileFor(ctx: ProviderContext<PostgresSettings>, checkpointId: string): string {
  return join(snapshotDirOf(ctx), `${fileSafe(checkpointId)}.dump`);
}

/** <snapshotDir>/<component>/<checkpointId>.base (pitr mode: a plain-format base backup). */
export function baseBackupDirFor(ctx: ProviderContext<PostgresSettings>, checkpointId: string): string {
  return join(snapshotDirOf(ctx), `${fileSafe(checkpointId)}.base`);
}

/** Name of the checkpoint's restore point (pg_create_restore_point takes up to 63 bytes). */
export function restorePointName(ctx: ProviderContext<PostgresSettings>, checkpointId: string): string {
  return `backout_${ctx.component.name}_${checkpointId}`.slice(0, 63);
}
