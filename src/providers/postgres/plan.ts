import { BackoutError } from "../../core/errors.js";
import type { ComponentState, StepSpec } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { withPostgres } from "./connection/session.js";
import { migrationSet } from "./layouts/migration-set.js";
import { privilegeInput, requirePrivileges } from "./preflight/privileges.js";
import { snapshotOf } from "./strategies/restore/params.js";
import { restoreSituation, restoreSteps } from "./strategies/restore/plan.js";
import { missingSnapshotFile, restorePreflight } from "./strategies/restore/preflight.js";
import { invalid, planReverse } from "./strategies/reverse/plan.js";
import { readSettings, type PostgresSettings } from "./settings.js";
import { lostByUpText } from "./classify/up-loss.js";

/**
 * The strategy: reverse (down migrations), restore (the checkpoint's snapshot, then replay of
 * every write since), or auto: reverse when every pending down exists and loses nothing (safe,
 * or archived) and no pending up destroyed data, else restore when the checkpoint took a snapshot
 * (the only way back for values an up dropped).
 */
export async function planPostgres(
  ctx: ProviderContext<PostgresSettings>,
  current: ComponentState,
  target: ComponentState,
): Promise<StepSpec[]> {
  const settings = readSettings(ctx);
  const set = await migrationSet(ctx, settings);
  const snapshot = snapshotOf(target.details);
  const restore = async (why: string): Promise<StepSpec[]> => {
    if (snapshot === undefined) {
      throw invalid(
        ctx,
        "strategy restore, but the checkpoint took no snapshot (it was taken with snapshot: none)",
        "Set snapshot: dump or pitr on the component and take a new checkpoint, or use strategy: reverse.",
      );
    }
    const gone = missingSnapshotFile(snapshot);
    if (gone !== undefined) {
      throw invalid(
        ctx,
        `the snapshot of this checkpoint is gone: ${gone} no longer exists (a newer checkpoint removed it: keepSnapshots is ${settings.keepSnapshots}, or it was deleted)`,
        "Roll back to a newer checkpoint, or use strategy: reverse (down migrations); raise keepSnapshots to keep more snapshots.",
      );
    }
    return withPostgres(ctx, settings, { component: ctx.component.name }, async ({ client }) => {
      await requirePrivileges(
        client,
        privilegeInput(
          settings,
          set.format,
          snapshot.mode === "pitr" ? "restore-pitr" : "restore-dump",
          set.layout,
        ),
        { component: ctx.component.name },
        "plan",
      );
      const problem = await restorePreflight(ctx, settings, snapshot, client);
      if (problem !== undefined) throw invalid(ctx, problem.message, problem.hint, undefined, problem.field);
      const situation = await restoreSituation(client, snapshot);
      return restoreSteps(ctx, settings, set.layout, current, target, snapshot, situation, why);
    });
  };
  if (settings.strategy === "restore") {
    // Already there (a restore-and-replay to this checkpoint finished, or nothing was deployed):
    // restoring again would only rewind the writes replayed since, through a slot that is gone.
    return atCheckpoint(current, target) ? [] : restore("strategy: restore");
  }
  if (settings.strategy === "reverse" || snapshot === undefined)
    return planReverse(ctx, settings, set, target);
  let reverse: StepSpec[];
  try {
    reverse = await planReverse(ctx, settings, set, target);
  } catch (e) {
    if (e instanceof BackoutError && e.code === "PLAN_INVALID") return restore(`auto: ${e.message}`);
    throw e;
  }
  const lossy = reverse.find((s) => s.risk.dataLoss);
  if (lossy !== undefined) return restore(`auto: a down would lose data (${lossy.risk.summary})`);
  // The downs lose nothing more, but an up already destroyed values only the snapshot still has.
  const gone = reverse.find((s) => (s.params as { lostByUp?: string[] }).lostByUp?.length);
  if (gone !== undefined) {
    const p = gone.params as { version: string; lostByUp: string[] };
    return restore(`auto: ${lostByUpText(p.version, p.lostByUp)}`);
  }
  return reverse;
}

/** Same migration version and same schema fingerprint as the checkpoint. */
function atCheckpoint(current: ComponentState, target: ComponentState): boolean {
  const fp = (s: ComponentState): unknown => s.details?.fingerprint;
  return current.version === target.version && fp(current) !== undefined && fp(current) === fp(target);
}
