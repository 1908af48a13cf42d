import { BackoutError } from "../../../../core/errors.js";
import type { ComponentState, StepSpec } from "../../../../core/model.js";
import type { ProviderContext } from "../../../../core/provider.js";
import { NO_VERSION } from "../../capture/state.js";
import { withPostgres } from "../../connection/session.js";
import type { Queryable } from "../../connection/queryable.js";
import { withToolSql, type Migration } from "../../layouts/layout.js";
import { compareVersions } from "../../layouts/options.js";
import type { MigrationSet } from "../../layouts/migration-set.js";
import { dataPolicy } from "../../classify/policy.js";
import { privilegeInput, requirePrivileges } from "../../preflight/privileges.js";
import { riskOf } from "../../classify/risk.js";
import type { PostgresSettings } from "../../settings.js";
import { classifyScript } from "../../classify/classify.js";
import { measureAtRisk } from "../../classify/measure.js";
import { lostByUp, lostByUpText } from "../../classify/up-loss.js";
import { sha256, type DownParams } from "./step-params.js";

// Guesses for the estimate: a DDL statement is quick; archiving copies rows.
const BASE_MS = 200;
const ROWS_PER_MS = 100;

/**
 * One `migrate-down` step per applied migration the target does not have, newest first. Each
 * down script is parsed and classified, and what it would destroy is measured on the live data.
 */
export async function planReverse(
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

/** A plan that cannot succeed: PLAN_INVALID at the component (and file or field). */
export function invalid(
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
