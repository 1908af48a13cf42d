/**
 * verify() of the restore strategy's steps: "is this step's target reached", asked on resume.
 * capture-changes: the slot no longer lives in the live database (the swap happened, or it is
 * gone); otherwise draining again is cheap and idempotent, so say no. restore-snapshot: the
 * kept copy carries this rollback's marker (written with the swap) and the capture was completed. replay-changes: the replay progress
 * is complete and the schema fingerprint equals the checkpoint's.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { PlannedStep } from "../../../../core/model.js";
import type { ProviderContext } from "../../../../core/provider.js";
import { withPostgres } from "../../connection/session.js";
import { schemaFingerprint } from "../../capture/fingerprint.js";
import { completeMarker, replayFinished } from "./apply-shared.js";
import { restoreParams } from "./params.js";
import { connectAdmin, databases } from "./copy/admin.js";
import { parseBeforeMark, readKeptDir } from "./copy/markers.js";
import { restoreDirs, restoreNames } from "./copy/names.js";
import { readSettings, type PostgresSettings } from "../../settings.js";

export async function verifyRestoreStep(
  ctx: ProviderContext<PostgresSettings>,
  step: PlannedStep,
): Promise<boolean> {
  const settings = readSettings(ctx);
  const params = restoreParams(step);
  const where = { component: ctx.component.name, step: step.id };
  const rollbackId = ctx.rollbackId;
  if (step.action === "restore-snapshot") {
    if (rollbackId === undefined) return false;
    if (params.snapshot.mode === "pitr") {
      const dirs = restoreDirs(resolve(ctx.baseDir, settings.pitr?.dataDir ?? ""), rollbackId);
      return (
        readKeptDir(dirs.before)?.rollbackId === rollbackId &&
        existsSync(dirs.live) &&
        !existsSync(dirs.restored)
      );
    }
    if (params.slotIntact && !existsSync(completeMarker(params.captureFile))) return false;
    const admin = await connectAdmin(settings.url, (t) => ctx.redact(t), where);
    try {
      const names = restoreNames(admin.live, rollbackId);
      const found = await databases(admin, [names.live, names.restored, names.before]);
      // The swap's transaction marks the kept copy with the rollback id: that, not the name, says done.
      const kept = parseBeforeMark(found.get(names.before)?.comment ?? null);
      return found.has(names.live) && kept?.rollbackId === rollbackId && !found.has(names.restored);
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
    if (!(await replayFinished(client, settings.archiveSchema, rollbackId))) return false;
    const expected = step.target.details?.fingerprint;
    if (typeof expected !== "string") return true;
    const now = await schemaFingerprint(client, settings);
    return now.hash === expected;
  });
}
