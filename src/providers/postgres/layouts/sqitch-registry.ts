/**
 * Creates the Sqitch registry (schema v1.1, App/Sqitch/Engine/pg.sql of Sqitch 1.3) when a drill
 * records migrations on a database Sqitch has never deployed to, and registers the project.
 */
import type { Queryable } from "../connection/queryable.js";
import { relationExists } from "../sql/catalog.js";

/** pg.sql's tables, same columns, keys and checks (comments left out). `reg` is quoted already. */
function registryDdl(reg: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${reg}`,
    `CREATE TABLE ${reg}.releases (
      version REAL PRIMARY KEY, installed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
      installer_name TEXT NOT NULL, installer_email TEXT NOT NULL)`,
    `CREATE TABLE ${reg}.projects (
      project TEXT PRIMARY KEY, uri TEXT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
      creator_name TEXT NOT NULL, creator_email TEXT NOT NULL)`,
    `CREATE TABLE ${reg}.changes (
      change_id TEXT PRIMARY KEY, script_hash TEXT NULL, change TEXT NOT NULL,
      project TEXT NOT NULL REFERENCES ${reg}.projects(project) ON UPDATE CASCADE,
      note TEXT NOT NULL DEFAULT '', committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
      committer_name TEXT NOT NULL, committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL,
      planner_name TEXT NOT NULL, planner_email TEXT NOT NULL, UNIQUE(project, script_hash))`,
    `CREATE TABLE ${reg}.tags (
      tag_id TEXT PRIMARY KEY, tag TEXT NOT NULL,
      project TEXT NOT NULL REFERENCES ${reg}.projects(project) ON UPDATE CASCADE,
      change_id TEXT NOT NULL REFERENCES ${reg}.changes(change_id) ON UPDATE CASCADE,
      note TEXT NOT NULL DEFAULT '', committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
      committer_name TEXT NOT NULL, committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL,
      planner_name TEXT NOT NULL, planner_email TEXT NOT NULL, UNIQUE(project, tag))`,
    `CREATE TABLE ${reg}.dependencies (
      change_id TEXT NOT NULL REFERENCES ${reg}.changes(change_id) ON UPDATE CASCADE ON DELETE CASCADE,
      type TEXT NOT NULL, dependency TEXT NOT NULL,
      dependency_id TEXT NULL REFERENCES ${reg}.changes(change_id) ON UPDATE CASCADE CONSTRAINT dependencies_check CHECK (
        (type = 'require' AND dependency_id IS NOT NULL) OR (type = 'conflict' AND dependency_id IS NULL)),
      PRIMARY KEY (change_id, dependency))`,
    `CREATE TABLE ${reg}.events (
      event TEXT NOT NULL CONSTRAINT events_event_check CHECK (event IN ('deploy', 'revert', 'fail', 'merge')),
      change_id TEXT NOT NULL, change TEXT NOT NULL,
      project TEXT NOT NULL REFERENCES ${reg}.projects(project) ON UPDATE CASCADE,
      note TEXT NOT NULL DEFAULT '', requires TEXT[] NOT NULL DEFAULT '{}', conflicts TEXT[] NOT NULL DEFAULT '{}',
      tags TEXT[] NOT NULL DEFAULT '{}', committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
      committer_name TEXT NOT NULL, committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL,
      planner_name TEXT NOT NULL, planner_email TEXT NOT NULL, PRIMARY KEY (change_id, committed_at))`,
    `COMMENT ON SCHEMA ${reg} IS 'Sqitch database deployment metadata v1.1.'`,
  ];
}

export async function createSqitchRegistry(
  db: Queryable,
  reg: string,
  project: string,
  uri: string | undefined,
  [name, email]: string[],
): Promise<void> {
  if (!(await relationExists(db, `${reg}.changes`))) {
    for (const sql of registryDdl(reg)) await db.query(sql);
    await db.query(
      `INSERT INTO ${reg}.releases (version, installer_name, installer_email) VALUES (1.1, $1, $2)`,
      [name, email],
    );
  }
  await db.query(
    `INSERT INTO ${reg}.projects (project, uri, creator_name, creator_email) VALUES ($1, $2, $3, $4)
     ON CONFLICT (project) DO NOTHING`,
    [project, uri ?? null, name, email],
  );
}
