/**
 * The rights each strategy needs, asked of the server's catalogs (nothing is tried for real):
 * reverse migrations change the schema and the tool's history; archive creates its schema;
 * restore-and-replay needs REPLICATION (slots), CREATEDB (the restored copy) and
 * pg_create_restore_point. A minimal check until a fuller one lands in privileges.ts.
 */
import type pg from "pg";
import { fail, pass, type DoctorCheck } from "../../core/doctor-check.js";
import type { PostgresSettings } from "./settings.js";

interface Rights {
  usr: string;
  superuser: boolean;
  replication: boolean;
  createdb: boolean;
  schema_create: boolean;
  db_create: boolean;
  restore_point: boolean;
  wal_level: string;
}

export async function privilegeChecks(
  client: pg.Client,
  settings: PostgresSettings,
  dataLossPolicy: string,
): Promise<DoctorCheck[]> {
  const { rows } = await client.query<Rights>(
    `SELECT current_user AS usr, r.rolsuper AS superuser, r.rolreplication AS replication,
            r.rolcreatedb AS createdb,
            COALESCE(has_schema_privilege(current_user, $1, 'CREATE'), false) AS schema_create,
            has_database_privilege(current_user, current_database(), 'CREATE') AS db_create,
            has_function_privilege(current_user, 'pg_create_restore_point(text)', 'EXECUTE') AS restore_point,
            current_setting('wal_level') AS wal_level
       FROM pg_roles r WHERE r.rolname = current_user`,
    [settings.schema],
  );
  const r = rows[0];
  if (r === undefined) return [];
  const who = `role ${r.usr}`;
  const checks: DoctorCheck[] = [];
  const need = (name: string, ok: boolean, what: string, grant: string) =>
    checks.push(ok ? pass(name, `${who} ${what}`) : fail(name, `${who} lacks: ${what}`, grant));
  if (settings.strategy !== "restore") {
    need(
      "privileges: reverse",
      r.superuser || r.schema_create,
      `may change schema ${settings.schema}`,
      `GRANT CREATE ON SCHEMA ${settings.schema} TO ${r.usr}; and make it the owner of the application's tables (down migrations ALTER and DROP them).`,
    );
  }
  if (dataLossPolicy === "archive") {
    need(
      "privileges: archive",
      r.superuser || r.db_create,
      `may create schema ${settings.archiveSchema}`,
      `GRANT CREATE ON DATABASE <db> TO ${r.usr}; (the archive policy keeps destroyed data in ${settings.archiveSchema}).`,
    );
  }
  if (settings.snapshot !== "none") {
    need(
      "privileges: replication",
      r.superuser || r.replication,
      "has REPLICATION (logical slots)",
      `ALTER ROLE ${r.usr} REPLICATION;`,
    );
    need(
      "privileges: createdb",
      r.superuser || r.createdb,
      "has CREATEDB (the restored copy)",
      `ALTER ROLE ${r.usr} CREATEDB;`,
    );
    need(
      "privileges: restore point",
      r.superuser || r.restore_point,
      "may call pg_create_restore_point",
      `GRANT EXECUTE ON FUNCTION pg_create_restore_point(text) TO ${r.usr};`,
    );
    checks.push(
      r.wal_level === "logical"
        ? pass("wal_level", "logical")
        : fail(
            "wal_level",
            `wal_level is ${r.wal_level}`,
            "Set wal_level = logical in postgresql.conf and restart PostgreSQL (slots need it).",
          ),
    );
  }
  return checks;
}
