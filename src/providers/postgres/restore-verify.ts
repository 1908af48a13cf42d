/**
 * verify() of the restore strategy's steps: "is this step's target reached", asked on resume.
 * capture-changes: the slot no longer lives in the live database (the swap happened, or it is
 * gone); otherwise draining again is cheap and idempotent, so say no. restore-snapshot: the
 * names say the swap is done and the capture was completed. replay-changes: the replay progress
 * is complete and the schema fingerprint equals the checkpoint's.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { withPostgres } from "./connect.js";
import { schemaFingerprint } from "./fingerprint.js";
import { completeMarker } from "./restore-apply-shared.js";
import { PROGRESS_TABLE } from "./replay/ledger.js";
import { restoreParams } from "./restore-params.js";
import { connectAdmin, databases } from "./restore/admin.js";
import { restoreDirs, restoreNames } from "./restore/names.js";
import { qualified } from "./sql/quote.js";
import { readSettings, type PostgresSettings } from "./settings.js";

export async function verifyRestoreStep(
  ctx: ProviderContext<PostgresSettings>,
  step: PlannedStep,
): Promise<boolean> {
  const settings = readSettings(ctx);
  const params = restoreParams(step);
  const where = { component: ctx.component.name, step: step.id };
  const rollbackId = ctx.env.BACKOUT_ROLLBACK_ID;
  if (step.action === "restore-snapshot") {
    if (rollbackId === undefined) return false;
    if (params.snapshot.mode === "pitr") {
      const dirs = restoreDirs(resolve(ctx.baseDir, settings.pitr?.dataDir ?? ""), rollbackId);
      return existsSync(dirs.before) && existsSync(dirs.live) && !existsSync(dirs.restored);
    }
    if (params.slotIntact && !existsSync(completeMarker(params.captureFile))) return false;
    const admin = await connectAdmin(settings.url, (t) => ctx.redact(t), where);
    try {
      const names = restoreNames(admin.live, rollbackId);
      const found = await databases(admin, [names.live, names.restored, names.before]);
      return found.has(names.live) && found.has(names.before) && !found.has(names.restored);
    } finally {
      await admin.client.end().catch(() => undefined);
    }
  }
  return withPostgres(ctx, settings, where, async ({ client }) => {
    if (step.action === "capture-changes") {
      const r = await client.query(
        "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()",
        [params.snapshot.slot],
      );
      return r.rows.length === 0;
    }
    if (rollbackId === undefined) return false;
    const table = await client.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [
      qualified(settings.archiveSchema, PROGRESS_TABLE),
    ]);
    if (table.rows[0]?.ok !== true) return false;
    const progress = await client.query<{ done: boolean }>(
      `SELECT coalesce((stats->>'done')::boolean, false) AS done FROM ${qualified(settings.archiveSchema, PROGRESS_TABLE)} WHERE rollback_id = $1`,
      [rollbackId],
    );
    if (progress.rows[0]?.done !== true) return false;
    const expected = step.target.details?.fingerprint;
    if (typeof expected !== "string") return true;
    const now = await schemaFingerprint(client, settings);
    return now.hash === expected;
  });
}
