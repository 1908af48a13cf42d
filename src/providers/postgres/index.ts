import type { Provider } from "../../core/provider.js";
import { applyReverseStep } from "./strategies/reverse/apply.js";
import { capturePostgres } from "./capture/state.js";
import { refuseUnrevertable } from "./strategies/reverse/checkpoint-downs.js";
import { planPostgres } from "./plan.js";
import type { PostgresSettings } from "./settings.js";
import { postgresKind } from "./kind.js";
import { verifyReverseStep } from "./strategies/reverse/verify.js";
import { isRestoreStep } from "./strategies/restore/params.js";
import { doctorPostgres } from "./preflight/doctor.js";

export { postgresSettingsSchema, type PostgresSettings } from "./settings.js";
// For `backout init`, which detects the migration tool of a directory.
export { resolveFormat } from "./layouts/detect.js";
export { MIGRATION_FORMATS, type MigrationFormat } from "./layouts/layout.js";

/** `postgres`: a database rolled back by its migration tool's down scripts, with data-loss detection. */
export const postgresProvider: Provider<PostgresSettings> = {
  ...postgresKind,
  capture: capturePostgres,
  // Without a snapshot setting, checkpointPostgres is capturePostgres (no slot, no dump).
  // Loaded on first use: snapshots (slots, dumps) are only taken by `backout checkpoint`.
  // First refused when a down the rollback will need cannot be had (checkpoint-downs.ts).
  checkpoint: async (ctx, checkpointId) => {
    await refuseUnrevertable(ctx);
    return (await import("./strategies/restore/snapshot/index.js")).checkpointPostgres(ctx, checkpointId);
  },
  plan: planPostgres,
  // A step belongs to one strategy; restore-and-replay code (and its drivers) loads only when a
  // restore step runs.
  apply: async (ctx, step) =>
    isRestoreStep(step)
      ? (await import("./strategies/restore/apply.js")).applyRestoreStep(ctx, step)
      : applyReverseStep(ctx, step),
  verify: async (ctx, step) =>
    isRestoreStep(step)
      ? (await import("./strategies/restore/verify.js")).verifyRestoreStep(ctx, step)
      : verifyReverseStep(ctx, step),
  doctor: doctorPostgres,
  // Loaded on first use: only `backout drill`, `archive` and `status` ask for these.
  drill: async (ctx, request) => (await import("./drill/capability.js")).drillPostgres(ctx, request),
  archive: async (ctx, request) =>
    (await import("./archive/commands/capability.js")).archivePostgres(ctx, request),
};
