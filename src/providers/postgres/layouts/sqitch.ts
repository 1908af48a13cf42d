/**
 * Sqitch layout: `sqitch.plan` + `deploy/`, `revert/`, `verify/` scripts; the version is the change
 * name. The registry is the `sqitch` schema (changes, tags, dependencies, events, projects,
 * releases). A revert is recorded as Engine/pg.pm `log_revert_change` does: delete the change's
 * tags (RETURNING them), read its requires/conflicts, delete the change (dependencies cascade),
 * then append a `revert` event carrying those tags and dependencies.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BackoutError } from "../../../core/errors.js";
import type { Queryable } from "../connection/queryable.js";
import { relationExists } from "../sql/catalog.js";
import { quoteIdent } from "../sql/quote.js";
import type { Migration, MigrationLayout } from "./layout.js";
import { readSqitchPlan, type SqitchChange } from "./sqitch-plan.js";
import { createSqitchRegistry } from "./sqitch-registry.js";
import { withoutOuterTransaction } from "./sqitch-script.js";
import { sqitchCommitter } from "./sqitch-user.js";

export interface SqitchOptions {
  /** `engine.pg.registry` (default sqitch). */
  registry?: string;
  /** Project to read; default: the only project in the registry. */
  project?: string;
  /** Who the registry names as committer of backout's events (the component's `committer`). */
  committerName?: string;
  committerEmail?: string;
  /** Where sqitch runs (its sqitch.conf) and its environment: the committer is found as Sqitch finds it. */
  projectDir?: string;
  env?: Record<string, string | undefined>;
}

/** deploy/<change>.sql → the project dir, whatever the depth of the change name. */
function topDir(migration: Migration, scriptPath: string): string {
  return migration.file.slice(0, migration.file.length - `/deploy/${scriptPath}`.length);
}

export function createSqitchLayout(options: SqitchOptions = {}): MigrationLayout {
  const reg = quoteIdent(options.registry ?? "sqitch");
  let found: Promise<string[]> | undefined;
  /** [name, email]: the override, else what Sqitch itself would record (sqitch-user.ts). */
  const committer = (): Promise<string[]> =>
    (found ??= (async () => {
      const sqitch =
        options.committerName !== undefined && options.committerEmail !== undefined
          ? undefined
          : await sqitchCommitter(options.projectDir ?? process.cwd(), options.env ?? process.env);
      return [options.committerName ?? sqitch?.name ?? "", options.committerEmail ?? sqitch?.email ?? ""];
    })());

  /**
   * One row of the registry's event log, as Sqitch writes it on deploy and on revert: the change
   * (id, name, project, note, tags, requires, conflicts), backout as committer, then its planner.
   */
  async function logEvent(
    db: Queryable,
    event: "deploy" | "revert",
    change: unknown[],
    planned: unknown[],
  ): Promise<void> {
    await db.query(
      `INSERT INTO ${reg}.events (event, change_id, change, project, note, tags, requires, conflicts,
         committer_name, committer_email, planned_at, planner_name, planner_email, committed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, clock_timestamp())`,
      [event, ...change, ...(await committer()), ...planned],
    );
  }

  async function project(db: Queryable): Promise<string> {
    if (options.project) return options.project;
    const r = await db.query<{ project: string }>(`SELECT project FROM ${reg}.projects ORDER BY project`);
    const [only, ...more] = r.rows.map((x) => x.project);
    if (only === undefined || more.length === 0) return only ?? "";
    throw new BackoutError(
      "PROVIDER_FAILED",
      `the Sqitch registry ${reg} holds several projects: ${[only, ...more].join(", ")}`,
      {
        hint: "Point the component at a database with one Sqitch project (multi-project registries are not supported yet).",
      },
    );
  }

  return {
    format: "sqitch",

    detect(dir) {
      return Promise.resolve(existsSync(join(dir, "sqitch.plan")));
    },

    async readMigrations(dir) {
      const plan = await readSqitchPlan(dir);
      const out: Migration[] = [];
      for (const c of plan.changes) {
        const file = join(dir, "deploy", c.scriptPath);
        const downFile = join(dir, "revert", c.scriptPath);
        // Without Sqitch's outer BEGIN/COMMIT: backout runs each in one transaction with the registry.
        const up = existsSync(file) ? await withoutOuterTransaction(await readFile(file, "utf8")) : undefined;
        const down = existsSync(downFile)
          ? await withoutOuterTransaction(await readFile(downFile, "utf8"))
          : undefined;
        out.push({
          version: c.name,
          name: c.name,
          file,
          upSql: up,
          downFile: down === undefined ? undefined : downFile,
          downSql: down,
        });
      }
      return out;
    },

    async appliedVersions(db) {
      if (!(await relationExists(db, `${reg}.changes`))) return [];
      const r = await db.query<{ change: string }>(
        `SELECT change FROM ${reg}.changes WHERE project = $1 ORDER BY committed_at`,
        [await project(db)],
      );
      return r.rows.map((x) => x.change);
    },

    async recordReverted(db, migration) {
      const proj = await project(db);
      const found = await db.query<{ change_id: string }>(
        `SELECT change_id FROM ${reg}.changes WHERE project = $1 AND change = $2 ORDER BY committed_at DESC LIMIT 1`,
        [proj, migration.version],
      );
      const id = found.rows[0]?.change_id;
      if (id === undefined) {
        throw new BackoutError(
          "PROVIDER_FAILED",
          `the Sqitch registry ${reg} has no deployed change ${migration.version} in project ${proj}`,
          {
            hint: "The registry changed while the rollback ran; check `sqitch status` and re-plan.",
          },
        );
      }
      // Sqitch refuses to revert a change other deployed changes still require.
      const needed = await db.query<{ change: string }>(
        `SELECT c.change FROM ${reg}.dependencies d JOIN ${reg}.changes c ON c.change_id = d.change_id WHERE d.dependency_id = $1`,
        [id],
      );
      if (needed.rows.length > 0) {
        throw new BackoutError(
          "PROVIDER_FAILED",
          `Sqitch change ${migration.version} is still required by ${needed.rows.map((r) => r.change).join(", ")}`,
          {
            hint: "Revert the changes that require it first (newest first).",
          },
        );
      }
      const tags = await db.query<{ tag: string }>(
        `DELETE FROM ${reg}.tags WHERE change_id = $1 RETURNING tag`,
        [id],
      );
      const deps = await db.query<{ req: string[]; conf: string[] }>(
        `SELECT ARRAY(SELECT dependency FROM ${reg}.dependencies WHERE change_id = $1 AND type = 'require') AS req,
                ARRAY(SELECT dependency FROM ${reg}.dependencies WHERE change_id = $1 AND type = 'conflict') AS conf`,
        [id],
      );
      const gone = await db.query(
        `DELETE FROM ${reg}.changes WHERE change_id = $1
         RETURNING change_id, change, project, note, planned_at, planner_name, planner_email`,
        [id],
      );
      const row = gone.rows[0] as Record<string, unknown>;
      await logEvent(
        db,
        "revert",
        [
          row.change_id,
          row.change,
          row.project,
          row.note,
          tags.rows.map((t) => t.tag),
          deps.rows[0]?.req ?? [],
          deps.rows[0]?.conf ?? [],
        ],
        [row.planned_at, row.planner_name, row.planner_email],
      );
    },

    async recordApplied(db, migration) {
      const scriptPath = migration.file.slice(migration.file.lastIndexOf("/deploy/") + "/deploy/".length);
      const top = topDir(migration, scriptPath);
      const plan = await readSqitchPlan(top);
      const change: SqitchChange | undefined = plan.changes.find((c) => c.scriptPath === scriptPath);
      if (!change) {
        throw new BackoutError(
          "PROVIDER_FAILED",
          `Sqitch change ${migration.version} is not in ${top}/sqitch.plan`,
          {
            hint: "Deploy scripts must be listed in the plan.",
          },
        );
      }
      const who = await committer();
      await createSqitchRegistry(db, reg, plan.project, plan.uri, who);
      const hash = existsSync(migration.file)
        ? createHash("sha1")
            .update(await readFile(migration.file))
            .digest("hex")
        : null;
      const planner = [change.timestamp, change.plannerName, change.plannerEmail];
      await db.query(
        `INSERT INTO ${reg}.changes (change_id, script_hash, change, project, note, committer_name, committer_email,
           planned_at, planner_name, planner_email, committed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp())`,
        [change.id, hash, change.name, plan.project, change.note, ...who, ...planner],
      );
      for (const d of change.dependencies) {
        const resolved =
          d.type === "require" && d.change !== undefined
            ? (
                await db.query<{ change_id: string }>(
                  `SELECT change_id FROM ${reg}.changes WHERE project = $1 AND change = $2 ORDER BY committed_at DESC LIMIT 1`,
                  [plan.project, d.change],
                )
              ).rows[0]?.change_id
            : undefined;
        await db.query(
          `INSERT INTO ${reg}.dependencies (change_id, type, dependency, dependency_id) VALUES ($1, $2, $3, $4)`,
          [change.id, d.type, d.name, resolved ?? null],
        );
      }
      for (const t of change.tags) {
        await db.query(
          `INSERT INTO ${reg}.tags (tag_id, tag, project, change_id, note, committer_name, committer_email,
             planned_at, planner_name, planner_email, committed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, clock_timestamp())`,
          [t.id, t.name, plan.project, change.id, t.note, ...who, t.timestamp, t.plannerName, t.plannerEmail],
        );
      }
      const names = (type: string) => change.dependencies.filter((d) => d.type === type).map((d) => d.name);
      await logEvent(
        db,
        "deploy",
        [
          change.id,
          change.name,
          plan.project,
          change.note,
          change.tags.map((t) => t.name),
          names("require"),
          names("conflict"),
        ],
        planner,
      );
    },
  };
}

export const sqitchLayout: MigrationLayout = createSqitchLayout();
