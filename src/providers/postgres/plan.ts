import { BackoutError } from "../../core/errors.js";
import type { ComponentState, StepSpec } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { NO_VERSION } from "./capture/state.js";
import { withPostgres } from "./connection/session.js";
import type { Queryable } from "./connection/queryable.js";
import { withToolSql, type Migration } from "./layouts/layout.js";
import { compareVersions } from "./layouts/options.js";
import { migrationSet, type MigrationSet } from "./layouts/migration-set.js";
import { dataPolicy } from "./classify/policy.js";
import { privilegeInput, requirePrivileges } from "./preflight/privileges.js";
import { riskOf } from "./classify/risk.js";
import { snapshotOf } from "./strategies/restore/params.js";
import { restoreSituation, restoreSteps } from "./strategies/restore/plan.js";
import { missingSnapshotFile, restorePreflight } from "./strategies/restore/preflight.js";
import { readSettings, type PostgresSettings } from "./settings.js";
import { classifyScript } from "./classify/classify.js";
import { measureAtRisk } from "./classify/measure.js";
import { lostByUp, lostByUpText } from "./classify/up-loss.js";
import { sha256, type DownParams } from "./strategies/reverse/step-params.js";

// Guesses for the estimate: a DDL statement is quick; archiving copies rows.
const BASE_MS = 200;
const ROWS_PER_MS = 100;

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
      return restoreSteps(ctx, settings, set.format, current, target, snapshot, situation, why);
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

/**
 * One `migrate-down` step per applied migration the target does not have, newest first. Each
 * down script is parsed and classified, and what it would destroy is measured on the live data.
 */
async function planReverse(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  set: MigrationSet,
  target: ComponentState,
): Promise<StepSpec[]> {
  return withPostgres(ctx, settings, { component: ctx.component.name }, async ({ client }) => {
    // A history the role cannot read: name the privileges instead of "permission denied".
    const applied = await set.layout.appliedVersions(client).catch(async (e: unknown) => {
      if ((e as { code?: unknown }).code === "42501")
        await requirePrivileges(
          client,
          privilegeInput(settings, set.format, "reverse", set.layout),
          { component: ctx.component.name },
          "plan",
        );
      throw e;
    });
    const byVersion = new Map(set.migrations.map((m) => [m.version, m]));
    for (const v of applied) {
      if (!byVersion.has(v)) {
        throw invalid(
          ctx,
          `history table lists version ${v} but no migration file has it (edited by hand?)`,
          `Restore the migration file of ${v} in ${set.dir}, or correct the ${set.format} history table, then plan again.`,
        );
      }
    }
    const keep = keptVersions(ctx, target, applied, set);
    const pending = applied.filter((v) => !keep.has(v)).reverse();
    // node-pg-migrate JS/TS migrations: their SQL from the tool's dry run, stored in the step.
    const resolved = await withToolSql(
      set.layout,
      set.migrations,
      pending.map((v) => byVersion.get(v) as Migration),
    );
    for (const m of resolved) byVersion.set(m.version, m);
    const steps: StepSpec[] = [];
    let remaining = [...applied];
    for (const [i, version] of pending.entries()) {
      const migration = byVersion.get(version) as Migration;
      remaining = remaining.filter((v) => v !== version);
      const last = i === pending.length - 1;
      const details = last
        ? (target.details ?? { format: set.format, applied: remaining })
        : { format: set.format, applied: remaining };
      steps.push(
        await stepFor(ctx, settings, set, client, migration, {
          version: remaining.at(-1) ?? NO_VERSION,
          details,
        }),
      );
    }
    if (steps.length > 0) {
      const archives = steps.some((st) => (st.params as unknown as DownParams).archive);
      const strategy = archives ? "archive" : "reverse";
      await requirePrivileges(
        client,
        privilegeInput(settings, set.format, strategy, set.layout),
        { component: ctx.component.name },
        "plan",
      );
    }
    return steps;
  });
}

/** The versions the target has applied: its captured list, else those up to its version. */
function keptVersions(
  ctx: ProviderContext<PostgresSettings>,
  target: ComponentState,
  applied: string[],
  set: MigrationSet,
): Set<string> {
  const listed = target.details?.applied;
  if (Array.isArray(listed) && listed.every((v) => typeof v === "string")) {
    const missing = listed.filter((v) => !applied.includes(v));
    if (missing.length > 0) {
      throw invalid(
        ctx,
        `the target has migration ${missing.join(", ")} applied, which is not applied now; backout only reverts migrations`,
        `Apply it with ${set.format} first (its up), or choose an older checkpoint.`,
      );
    }
    return new Set(listed);
  }
  const order = set.migrations.map((m) => m.version);
  const pos = (v: string): number => order.indexOf(v);
  if (target.version === NO_VERSION) return new Set();
  return new Set(
    applied.filter((v) =>
      pos(target.version) >= 0 ? pos(v) <= pos(target.version) : compareVersions(v, target.version) <= 0,
    ),
  );
}

async function stepFor(
  ctx: ProviderContext<PostgresSettings>,
  settings: PostgresSettings,
  set: MigrationSet,
  client: Queryable,
  migration: Migration,
  target: ComponentState,
): Promise<StepSpec> {
  if (migration.downProblem !== undefined) {
    throw invalid(
      ctx,
      `migration ${migration.version} (${migration.file}) cannot be reverted: node-pg-migrate's dry run of its down fails: ${migration.downProblem}`,
      toolDownHint(migration.version),
      migration.file,
    );
  }
  if (migration.downSql === undefined || migration.downFile === undefined) {
    throw invalid(
      ctx,
      `migration ${migration.version} (${migration.name}, ${migration.file}) has no down script`,
      migration.runtime === true
        ? toolDownHint(migration.version)
        : `Write its down SQL (${downHint(set.format)}), then plan again; without it backout cannot revert ${migration.version}.`,
      migration.file,
    );
  }
  const statements = await classifyScript(migration.downSql, migration.downFile, settings.schema, client);
  const atRisk = await measureAtRisk(client, statements);
  const policy = dataPolicy(ctx.dataLossPolicy, statements);
  const risk = riskOf(statements, atRisk, policy, migration.downFile);
  const upLoss = await lostByUp(migration.upSql, migration.file, settings.schema);
  if (upLoss.length > 0) risk.summary += `; ${lostByUpText(migration.version, upLoss)}`;
  const transaction = migration.downTransaction !== false;
  if (!transaction)
    risk.summary += "; runs outside a transaction (transaction:false): a failure halfway is not undone";
  const params: DownParams = {
    format: set.format,
    version: migration.version,
    name: migration.name,
    file: migration.file,
    downFile: migration.downFile,
    downSql: migration.downSql,
    downSha256: sha256(migration.downSql),
    statements,
    archive: policy.archive,
    transaction,
    lostByUp: upLoss,
  };
  const destructive = statements.some((s) => s.class !== "safe");
  return {
    action: "migrate-down",
    description: ctx.redact(
      `revert ${set.format} migration ${migration.version}${migration.name === "" ? "" : ` (${migration.name})`} of ${ctx.component.name} with ${migration.downFile}${migration.runtime === true ? " (its SQL from node-pg-migrate's dry run)" : ""}`,
    ),
    phase: "main",
    target,
    params: params as unknown as Record<string, unknown>,
    risk: {
      ...risk,
      summary: ctx.redact(risk.summary),
      ...(risk.measured === undefined ? {} : { measured: ctx.redact(risk.measured) }),
    },
    reversible: !(destructive && !policy.archive),
    estimateMs: BASE_MS + Math.round((risk.rowsAtRisk ?? 0) / ROWS_PER_MS),
  };
}

/** What to do about a JavaScript/TypeScript migration whose down node-pg-migrate cannot give. */
export function toolDownHint(version: string): string {
  return `Give ${version} a down node-pg-migrate can run without the database (export const down = (pgm) => { ... }, or omit down when every operation of the up can be reversed automatically), check it with \`node-pg-migrate down --dry-run\`, or set snapshot: dump (or pitr) with strategy: auto or restore so the rollback restores the checkpoint instead.`;
}

function downHint(format: string): string {
  switch (format) {
    case "dbmate":
      return "a `-- migrate:down` section";
    case "golang-migrate":
      return "a <version>_<name>.down.sql file";
    case "node-pg-migrate":
      return "a `-- Down Migration` section";
    case "sqitch":
      return "a revert/ script";
    default:
      return "a U<version>__<desc>.sql undo file";
  }
}

function invalid(
  ctx: ProviderContext<PostgresSettings>,
  message: string,
  hint: string,
  file?: string,
  field?: string,
): BackoutError {
  const where = {
    component: ctx.component.name,
    ...(file === undefined ? {} : { file }),
    ...(field === undefined ? {} : { field }),
  };
  return new BackoutError("PLAN_INVALID", ctx.redact(message), { where, hint });
}
