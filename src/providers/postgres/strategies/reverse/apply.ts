import { resolve } from "node:path";
import { BackoutError, type ErrorLocation } from "../../../../core/errors.js";
import type { PlannedStep } from "../../../../core/model.js";
import type { ProviderContext, StepResult } from "../../../../core/provider.js";
import { withPostgres, type PgSession } from "../../connection/session.js";
import { afterDbmateRevert } from "../../layouts/dbmate-schema.js";
import type { Migration } from "../../layouts/layout.js";
import { releaseMigrationLocks, setTimeouts, takeMigrationLocks } from "./migration-locks.js";
import type { MigrationFormat, MigrationLayout } from "../../layouts/layout.js";
import { plannedLayout } from "../../layouts/migration-set.js";
import { pgFailure } from "../../errors.js";
import { rollbackIdOf } from "../../rollback-id.js";
import { readSettings, type PostgresSettings } from "../../settings.js";
import { migrationLocks } from "../../layouts/tool-locks.js";
import { archiveBefore } from "../../archive/archive-before.js";
import { lostByUpText } from "../../classify/up-loss.js";
import type { ClassifiedStatement } from "../../classify/types.js";
import { downParams, plannedMigration, type DownParams } from "./step-params.js";

type PlannedSet = { format: MigrationFormat; dir: string; layout: MigrationLayout };

/** One down as it runs: everything from the plan, on the step's session. */
interface Down {
  ctx: ProviderContext<PostgresSettings>;
  settings: PostgresSettings;
  set: PlannedSet;
  s: PgSession;
  params: DownParams;
  migration: Migration;
}

/**
 * Runs one migration's down in ONE transaction with its history update, from the plan alone
 * (the down SQL recorded at plan time; the migration files are not read): timeouts, the advisory
 * lock, then (unless the history no longer lists the version: idempotent no-op) the approved
 * statements, each destructive one preceded by its archive copy under the archive policy, then
 * the tool's own history change, then COMMIT. Any failure rolls all of it back.
 */
export async function applyReverseStep(
  ctx: ProviderContext<PostgresSettings>,
  step: PlannedStep,
): Promise<StepResult> {
  const settings = readSettings(ctx);
  const params = downParams(step);
  const where: ErrorLocation = { component: ctx.component.name, step: step.id };
  // Everything comes from the plan: the files may be gone or changed (a release switched them).
  const set: PlannedSet = {
    format: params.format,
    dir: resolve(ctx.baseDir, settings.migrations),
    layout: plannedLayout(ctx, settings, params.format),
  };
  const migration = plannedMigration(params);
  if (ctx.signal.aborted)
    throw new BackoutError("STEP_CANCELLED", "step cancelled before the down ran", { where });
  return withPostgres(ctx, settings, where, async (session) => {
    const down: Down = { ctx, settings, set, s: session, params, migration };
    const lines = params.transaction ? await inTransaction(down) : await withoutTransaction(down);
    if (set.format === "dbmate") {
      // dbmate re-dumps db/schema.sql after its own rollback: leave the file as dbmate would.
      const dumped = await afterDbmateRevert(session.client, {
        url: settings.url,
        historyTable: settings.historyTable,
        migrationsDir: set.dir,
        baseDir: ctx.baseDir,
        env: ctx.env,
        settings: settings.dbmate ?? {},
        redact: session.redact,
      });
      if (dumped !== undefined) lines.push(dumped);
    }
    // The report carries the step's output: it says what only a restore can bring back.
    if (params.lostByUp.length > 0) lines.push(`note: ${lostByUpText(params.version, params.lostByUp)}`);
    return { output: session.redact(lines.join("\n")) };
  });
}

async function inTransaction(down: Down): Promise<string[]> {
  const { client } = down.s;
  const { set, params, migration } = down;
  // READ COMMITTED whatever the server default: an archive copy must see every write committed
  // before its table lock (archive/lock-targets.ts), not the transaction's first snapshot.
  await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
  try {
    const lines = await whileLocked(down, true, async () => {
      const ran = await runStatements(down);
      await set.layout.recordReverted(client, migration);
      return [...ran, `reverted ${set.format} migration ${params.version}`];
    });
    await client.query("COMMIT");
    return lines;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}

/** dbmate `transaction:false`: statements one by one (a failure halfway is not undone), then the history. */
async function withoutTransaction(down: Down): Promise<string[]> {
  const { client } = down.s;
  const { set, params, migration } = down;
  return whileLocked(down, false, async () => {
    const ran = await runStatements(down);
    await client.query("BEGIN");
    await set.layout.recordReverted(client, migration);
    await client.query("COMMIT");
    return [...ran, `reverted ${set.format} migration ${params.version} (outside a transaction)`];
  });
}

/**
 * The preamble of every down, in or outside a transaction: the session timeouts, backout's lock
 * and the migration tool's own (no concurrent `up` can interleave), then `revert` only while the
 * history still lists the version (otherwise an idempotent no-op). `xact`: the timeouts and locks
 * end with the caller's transaction; without one the locks are released here.
 */
async function whileLocked(
  { settings, set, s, params }: Down,
  xact: boolean,
  revert: () => Promise<string[]>,
): Promise<string[]> {
  const { client, target, where } = s;
  await setTimeouts(client, settings, xact);
  const locks = await migrationLocks(client, set.format, target.database, settings.historyTable);
  await takeMigrationLocks(client, locks, xact, where);
  try {
    if (!(await set.layout.appliedVersions(client)).includes(params.version)) {
      return [`migration ${params.version} is not applied (already reverted); nothing to do`];
    }
    return await revert();
  } finally {
    if (!xact) await releaseMigrationLocks(client, locks).catch(() => undefined);
  }
}

async function runStatements({ ctx, settings, s, params }: Down): Promise<string[]> {
  const { client, redact, where } = s;
  const lines: string[] = [];
  const rollbackId = rollbackIdOf(ctx);
  for (const [i, st] of params.statements.entries()) {
    try {
      if (params.archive && st.class === "destructive") {
        // The lock the archive takes must last until the statement is done: outside the
        // migration's transaction (transaction:false) the pair gets a transaction of its own.
        const own = !params.transaction;
        if (own) await client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
        try {
          const rows = await archiveBefore(client, st, rollbackId, params.version, settings.archiveSchema);
          lines.push(`archived ${rows} rows before ${params.downFile}:${st.line}`);
          await client.query(st.sql);
          if (own) await client.query("COMMIT");
        } catch (e) {
          if (own) await client.query("ROLLBACK").catch(() => undefined);
          throw e;
        }
        continue;
      }
      await client.query(st.sql);
    } catch (e) {
      throw statementFailure(e, st, i, params, redact, where);
    }
  }
  lines.push(`ran ${params.statements.length} statements of ${params.downFile}`);
  return lines;
}

function statementFailure(
  e: unknown,
  st: ClassifiedStatement,
  index: number,
  params: DownParams,
  redact: (t: string) => string,
  where: ErrorLocation,
): BackoutError {
  const base = pgFailure(e, redact, where);
  const at = `${params.downFile}:${st.line}`;
  const undone = params.transaction
    ? "nothing of this migration was kept (rolled back)"
    : "earlier statements stay applied";
  return new BackoutError(
    base.code,
    `down of migration ${params.version}: statement ${index + 1} of ${params.statements.length} (${at}) failed: ${base.message}; ${undone}`,
    {
      where: { ...where, file: params.downFile, line: st.line },
      retryable: base.retryable,
      ...(base.hint === undefined ? {} : { hint: base.hint }),
      details: { ...base.details, statement: redact(st.sql.slice(0, 500)) },
      cause: e,
    },
  );
}
