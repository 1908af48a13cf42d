/**
 * The privileges each way of rolling back needs, checked on the live database before anything
 * runs (plan, checkpoint, `backout doctor`): one result per privilege, with the statement that
 * grants it. README "Privileges" lists the same grants.
 */
import { BackoutError, type ErrorLocation } from "../../../core/errors.js";
import type { Queryable } from "../connection/queryable.js";
import type { MigrationFormat } from "../layouts/layout.js";

export type PrivilegeStrategy = "reverse" | "archive" | "restore-dump" | "restore-pitr";

export interface PrivilegeInput {
  strategy: PrivilegeStrategy;
  format: MigrationFormat;
  /** The application's schema (settings.schema). */
  schema: string;
  /** settings.historyTable override ("table" or "schema.table"). */
  historyTable?: string | undefined;
  archiveSchema: string;
}

export interface PrivilegeCheck {
  /** "DELETE on public.schema_migrations", "REPLICATION", ... */
  privilege: string;
  ok: boolean;
  /** Why backout needs it. */
  why: string;
  /** The statement that grants it (run as the owner or a superuser). */
  grant: string;
}

interface Role {
  name: string;
  superuser: boolean;
  replication: boolean;
  createdb: boolean;
}

const q = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** The history tables of each tool and what its revert writes there. */
function historyTables(input: PrivilegeInput): { table: string; privileges: string[] }[] {
  const [schema, table] = ((): [string, string | undefined] => {
    const h = input.historyTable;
    if (h === undefined) return [input.schema, undefined];
    const dot = h.indexOf(".");
    return dot < 0 ? [input.schema, h] : [h.slice(0, dot), h.slice(dot + 1)];
  })();
  switch (input.format) {
    case "dbmate":
      return [{ table: `${schema}.${table ?? "schema_migrations"}`, privileges: ["SELECT", "DELETE"] }];
    case "golang-migrate":
      return [
        { table: `${schema}.${table ?? "schema_migrations"}`, privileges: ["SELECT", "INSERT", "TRUNCATE"] },
      ];
    case "node-pg-migrate":
      return [{ table: `${schema}.${table ?? "pgmigrations"}`, privileges: ["SELECT", "DELETE"] }];
    case "flyway":
      return [{ table: `${schema}.${table ?? "flyway_schema_history"}`, privileges: ["SELECT", "INSERT"] }];
    case "sqitch":
      return [
        { table: "sqitch.projects", privileges: ["SELECT"] },
        { table: "sqitch.changes", privileges: ["SELECT", "DELETE"] },
        { table: "sqitch.tags", privileges: ["SELECT", "DELETE"] },
        { table: "sqitch.dependencies", privileges: ["SELECT", "DELETE"] },
        { table: "sqitch.events", privileges: ["SELECT", "INSERT"] },
      ];
  }
}

function split(table: string): [string, string] {
  const dot = table.indexOf(".");
  return [table.slice(0, dot), table.slice(dot + 1)];
}

async function one<T>(db: Queryable, sql: string, values: unknown[] = []): Promise<T | undefined> {
  return (await db.query<T & Record<string, unknown>>(sql, values)).rows[0];
}

/** Tables of the schemas in `schemas` (all user schemas when undefined) failing `test`. */
async function tablesLacking(db: Queryable, test: string, schemas: string[] | undefined): Promise<string[]> {
  const { rows } = await db.query<{ t: string }>(
    `SELECT n.nspname || '.' || c.relname AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_%' AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
        AND NOT (${test}) ORDER BY 1`,
    [schemas ?? null],
  );
  return rows.map((r) => r.t);
}

/**
 * Every privilege `input.strategy` needs, checked for the connected role (a superuser passes all).
 * Never throws for a missing privilege: the caller decides (plan and checkpoint refuse, doctor
 * reports).
 */
export async function checkPrivileges(db: Queryable, input: PrivilegeInput): Promise<PrivilegeCheck[]> {
  const role = (await one<Role>(
    db,
    `SELECT current_user AS name, rolsuper AS superuser, rolreplication AS replication, rolcreatedb AS createdb
       FROM pg_roles WHERE rolname = current_user`,
  )) ?? { name: "?", superuser: false, replication: false, createdb: false };
  const who = q(role.name);
  const out: PrivilegeCheck[] = [];
  const add = (privilege: string, ok: boolean, why: string, grant: string): void => {
    out.push({ privilege, ok: role.superuser || ok, why, grant });
  };
  const schemaOk = await one<{ usage: boolean; create: boolean }>(
    db,
    "SELECT has_schema_privilege($1, 'USAGE') AS usage, has_schema_privilege($1, 'CREATE') AS create",
    [input.schema],
  ).catch(() => undefined);
  add(
    `USAGE on schema ${input.schema}`,
    schemaOk?.usage === true,
    "read the application's tables",
    `GRANT USAGE ON SCHEMA ${q(input.schema)} TO ${who};`,
  );
  for (const h of historyTables(input)) {
    const [s, t] = split(h.table);
    const exists = await one<{ ok: boolean }>(db, "SELECT to_regclass($1) IS NOT NULL AS ok", [
      `${q(s)}.${q(t)}`,
    ]);
    for (const p of h.privileges) {
      if (input.strategy !== "reverse" && input.strategy !== "archive" && p !== "SELECT") continue;
      const ok = exists?.ok
        ? (await one<{ ok: boolean }>(db, "SELECT has_table_privilege($1, $2) AS ok", [`${q(s)}.${q(t)}`, p]))
            ?.ok === true
        : true; // not there yet: nothing to read or revert
      const why =
        p === "SELECT"
          ? `read the ${input.format} history (capture, plan)`
          : `update the ${input.format} history as its own revert does`;
      add(`${p} on ${h.table}`, ok, why, `GRANT ${p} ON ${q(s)}.${q(t)} TO ${who};`);
    }
  }
  if (input.strategy === "reverse" || input.strategy === "archive") {
    // The history table only needs the grants above: the tool's role may keep owning it.
    const history = new Set(historyTables(input).map((h) => h.table));
    const notOwned = (await tablesLacking(db, "pg_has_role(c.relowner, 'USAGE')", [input.schema])).filter(
      (t) => !history.has(t),
    );
    add(
      `owner of the tables of schema ${input.schema}`,
      notOwned.length === 0,
      `down scripts ALTER and DROP them (PostgreSQL lets only the owner)${notOwned.length ? `; not owned: ${notOwned.slice(0, 5).join(", ")}` : ""}`,
      `GRANT <owner role> TO ${who};  -- or run backout as the role that owns them (the migration tool's role)`,
    );
    add(
      `CREATE on schema ${input.schema}`,
      schemaOk?.create === true,
      "down scripts re-create tables, indexes and constraints",
      `GRANT CREATE ON SCHEMA ${q(input.schema)} TO ${who};`,
    );
  }
  if (input.strategy === "archive") {
    const a = await one<{ exists: boolean; create: boolean; db: boolean }>(
      db,
      `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists,
              COALESCE((SELECT has_schema_privilege(oid, 'CREATE') AND has_schema_privilege(oid, 'USAGE') FROM pg_namespace WHERE nspname = $1), false) AS create,
              has_database_privilege(current_database(), 'CREATE') AS db`,
      [input.archiveSchema],
    );
    if (a?.exists)
      add(
        `CREATE, USAGE on schema ${input.archiveSchema}`,
        a.create,
        "copy what a down destroys into the archive",
        `GRANT CREATE, USAGE ON SCHEMA ${q(input.archiveSchema)} TO ${who};`,
      );
    else
      add(
        "CREATE on the database",
        a?.db === true,
        `create the archive schema ${input.archiveSchema}`,
        `GRANT CREATE ON DATABASE <database> TO ${who};  -- or CREATE SCHEMA ${q(input.archiveSchema)} AUTHORIZATION ${who};`,
      );
  }
  if (input.strategy === "restore-dump" || input.strategy === "restore-pitr") {
    add(
      "REPLICATION",
      role.replication,
      "create the logical replication slot that captures every write since the checkpoint",
      `ALTER ROLE ${who} REPLICATION;`,
    );
    const rp = await one<{ ok: boolean }>(
      db,
      "SELECT has_function_privilege('pg_create_restore_point(text)', 'EXECUTE') AS ok",
    );
    add(
      "EXECUTE on pg_create_restore_point(text)",
      rp?.ok === true,
      "mark the checkpoint in the WAL",
      `GRANT EXECUTE ON FUNCTION pg_create_restore_point(text) TO ${who};`,
    );
    const unreadable = await tablesLacking(db, "has_table_privilege(c.oid, 'SELECT')", undefined);
    add(
      "SELECT on every table and sequence of the database",
      unreadable.length === 0,
      `${input.strategy === "restore-dump" ? "pg_dump at the checkpoint" : "the table check"} reads them all${unreadable.length ? `; not readable: ${unreadable.slice(0, 5).join(", ")}` : ""}`,
      `GRANT pg_read_all_data TO ${who};`,
    );
    const signal = await one<{ ok: boolean }>(db, "SELECT pg_has_role('pg_signal_backend', 'MEMBER') AS ok");
    add(
      "member of pg_signal_backend",
      signal?.ok === true,
      "end the application's sessions for the swap",
      `GRANT pg_signal_backend TO ${who};`,
    );
    if (input.strategy === "restore-dump") {
      add(
        "CREATEDB",
        role.createdb,
        "create the restored copy of the database",
        `ALTER ROLE ${who} CREATEDB;`,
      );
      const owner = await one<{ ok: boolean }>(
        db,
        "SELECT pg_has_role(datdba, 'MEMBER') AS ok FROM pg_database WHERE datname = current_database()",
      );
      add(
        "owner of the database",
        owner?.ok === true,
        "refuse connections and rename it at the swap (ALTER DATABASE)",
        `ALTER DATABASE <database> OWNER TO ${who};`,
      );
    }
  }
  return out;
}

/**
 * The check's input from the component's settings; `layout` names the history table when the
 * tool's own options place it (node-pg-migrate's --migrations-schema/--migrations-table).
 */
export function privilegeInput(
  settings: { schema: string; historyTable?: string | undefined; archiveSchema: string },
  format: MigrationFormat,
  strategy: PrivilegeStrategy,
  layout?: { historyTable?: string | undefined },
): PrivilegeInput {
  return {
    strategy,
    format,
    schema: settings.schema,
    historyTable: layout?.historyTable ?? settings.historyTable,
    archiveSchema: settings.archiveSchema,
  };
}

/** Throws PG_PRIVILEGE_MISSING naming every privilege `input.strategy` needs and lacks. */
export async function requirePrivileges(
  db: Queryable,
  input: PrivilegeInput,
  where: ErrorLocation,
  when: "plan" | "checkpoint",
): Promise<void> {
  const missing = (await checkPrivileges(db, input)).filter((c) => !c.ok);
  if (missing.length === 0) return;
  throw new BackoutError(
    "PG_PRIVILEGE_MISSING",
    `the database role lacks what strategy ${input.strategy} needs: ${missing.map((m) => `${m.privilege} (to ${m.why})`).join("; ")}`,
    {
      where,
      retryable: false,
      details: { missing: missing.map((m) => m.privilege), grants: missing.map((m) => m.grant) },
      hint: `Grant them (README, "Privileges"), then run ${when === "plan" ? "the plan" : "the checkpoint"} again: ${missing.map((m) => m.grant).join(" ")}`,
    },
  );
}
