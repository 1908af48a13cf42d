import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dbmateProject } from "../support/dbmate.js";
import { useCluster } from "../support/postgres.js";
import { cli, tempDir } from "./cli.js";

const FIRST = {
  "20240101000001_create_users.sql":
    "-- migrate:up\nCREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, legacy boolean NOT NULL DEFAULT false);\n-- migrate:down\nDROP TABLE users;\n",
};
/** The deploy: a column with a backfill, then a destructive change whose down is additive. */
const DEPLOY = {
  "20240101000002_add_nickname.sql":
    "-- migrate:up\nALTER TABLE users ADD COLUMN nickname text;\nUPDATE users SET nickname = split_part(email, '@', 1);\n-- migrate:down\nALTER TABLE users DROP COLUMN nickname;\n",
  "20240101000003_drop_legacy.sql":
    "-- migrate:up\nALTER TABLE users DROP COLUMN legacy;\n-- migrate:down\nALTER TABLE users ADD COLUMN legacy boolean NOT NULL DEFAULT false;\n",
};

describe("postgres through the CLI: gate, archive and the migration tool's own view (real PostgreSQL, real dbmate)", () => {
  const pg = useCluster();

  async function usersColumns(db: string): Promise<string[]> {
    const rows = await pg.sql(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1",
      [],
      db,
    );
    return rows.map((c) => c.column_name as string);
  }

  let databases = 0;
  async function environment(policy: "confirm" | "archive") {
    const dir = tempDir("pg");
    databases += 1;
    const db = `app_${policy}_${databases}`;
    const url = await pg.createDatabase(db);
    const project = dbmateProject(url, join(dir, "db", "migrations"));
    const dbmate = (...args: string[]): string => project.run(...args);
    project.write(FIRST);
    dbmate("up");
    await pg.sql(
      "INSERT INTO users (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 50) g",
      [],
      db,
    );
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: pg-${policy}
policies:
  retry: { initialInterval: 10ms }
components:
  db:
    kind: postgres
    url: ${url}
    migrations: db/migrations
    format: dbmate
    dataLoss: ${policy}
`,
    );
    const cp = await cli(["checkpoint", "--good", "--name", "before-deploy"], { cwd: dir });
    expect(cp.exitCode, cp.stderr).toBe(0);
    project.write(DEPLOY);
    dbmate("up");
    // Users keep writing after the deploy, into the new column too.
    await pg.sql("INSERT INTO users (email, nickname) VALUES ('late@example.com', 'late-writer')", [], db);
    return { dir, db, dbmate };
  }

  it("confirm: the run pauses before any step, nothing changes; the approval of that plan runs it", async () => {
    const { dir, db, dbmate } = await environment("confirm");
    const plan = JSON.parse((await cli(["plan", "--json"], { cwd: dir })).stdout) as {
      hash: string;
      dataLoss: boolean;
      steps: { id: string; risk: { dataLoss: boolean; summary: string; measured?: string } }[];
    };
    expect(plan.steps.map((s) => s.id)).toEqual(["db#1:migrate-down", "db#2:migrate-down"]);
    expect(plan.dataLoss).toBe(true);
    expect(plan.steps[1]?.risk.summary).toBe("drops column users.nickname");
    expect(plan.steps[1]?.risk.measured).toBe("users.nickname: 51 non-null values");

    const run = await cli(["run"], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(3);
    expect(await pg.sql("SELECT count(*)::int AS n FROM schema_migrations", [], db)).toEqual([{ n: 3 }]);
    const id =
      (JSON.parse((await cli(["history", "--json"], { cwd: dir })).stdout) as { id: string }[])[0]?.id ?? "";

    const wrong = await cli(["approve", id, "--plan-hash", "0123456789abcdef"], { cwd: dir });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/CONFIRMATION_MISMATCH/);

    const ok = await cli(["approve", id, "--plan-hash", plan.hash.slice(0, 12)], { cwd: dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
    // dbmate itself agrees: one applied, two pending, and `up` re-applies cleanly.
    const status = dbmate("status");
    expect(status).toMatch(/Applied: 1/);
    expect(status).toMatch(/Pending: 2/);
    dbmate("up");
    expect(await pg.sql("SELECT count(*)::int AS n FROM schema_migrations", [], db)).toEqual([{ n: 3 }]);
  });

  it("archive: no gate, and every value the downs destroy is in the archive and can be restored", async () => {
    const { dir, db, dbmate } = await environment("archive");
    const before = await pg.sql("SELECT id, nickname FROM users ORDER BY id", [], db);
    const run = await cli(["run"], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await usersColumns(db)).toEqual(["email", "id", "legacy"]);

    const list = JSON.parse((await cli(["archive", "list", "--json"], { cwd: dir })).stdout) as {
      archive_table: string;
      source_column: string;
      rows: number;
    }[];
    const nick = list.find((a) => a.source_column === "nickname");
    expect(nick?.rows).toBe(51);

    // Re-deploy, then bring the archived values back: equal to what users had, the late write included.
    dbmate("up");
    const restored = await cli(["archive", "restore", nick?.archive_table ?? ""], { cwd: dir });
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(await pg.sql("SELECT id, nickname FROM users ORDER BY id", [], db)).toEqual(before);
  });

  it("drill: pending migrations go up, down and up on a scratch copy; a lossy down makes it exit 1", async () => {
    const dir = tempDir("pg-drill");
    const db = "app_drill";
    const url = await pg.createDatabase(db);
    const project = dbmateProject(url, join(dir, "db", "migrations"));
    project.write(FIRST);
    project.run("up");
    await pg.sql(
      "INSERT INTO users (email) SELECT 'u' || g || '@example.com' FROM generate_series(1, 20) g",
      [],
      db,
    );
    // The next deploy, not applied yet: what the drill proves before it goes out.
    project.write(DEPLOY);
    const yaml = (policy: string, snapshot = "none") => `version: 1
environment: drill
components:
  db:
    kind: postgres
    url: ${url}
    migrations: db/migrations
    format: dbmate
    dataLoss: ${policy}
    snapshot: ${snapshot}
`;
    writeFileSync(join(dir, "backout.yaml"), yaml("confirm"));
    const lossy = await cli(["drill"], { cwd: dir });
    expect(lossy.exitCode, lossy.stderr + lossy.stdout).toBe(1);
    expect(lossy.stdout + lossy.stderr).toMatch(/nickname/);

    // Under archive the same downs keep their data, but the up of drop_legacy destroys the
    // legacy values for good: its down re-adds the column empty. Only a restore brings them back.
    writeFileSync(join(dir, "backout.yaml"), yaml("archive"));
    const upLoss = await cli(["drill"], { cwd: dir });
    expect(upLoss.exitCode, upLoss.stderr + upLoss.stdout).toBe(1);
    expect(upLoss.stdout).toMatch(
      /up-destroys-data: the up drops column users\.legacy: .*only a restore can/,
    );
    expect(upLoss.stdout).not.toMatch(/FAIL 20240101000002/);

    // With snapshots the rollback restores those values: clean, and it says how.
    writeFileSync(join(dir, "backout.yaml"), yaml("archive", "dump"));
    const clean = await cli(["drill"], { cwd: dir });
    expect(clean.exitCode, clean.stderr + clean.stdout).toBe(0);
    expect(clean.stdout).toMatch(/a restore of the snapshot brings it back: drops column users\.legacy/);
    // The live database was not touched, and the scratch copy is gone.
    expect(await pg.sql("SELECT count(*)::int AS n FROM schema_migrations", [], db)).toEqual([{ n: 1 }]);
    const dbs = await pg.sql("SELECT datname FROM pg_database WHERE datname LIKE '%drill%' ORDER BY 1");
    expect(dbs).toEqual([{ datname: "app_drill" }]);
  });

  it("bad input: a syntax error in a down script is a planning error (exit 2) and changes nothing", async () => {
    const { dir, db } = await environment("confirm");
    const file = join(dir, "db", "migrations", "20240101000003_drop_legacy.sql");
    writeFileSync(
      file,
      "-- migrate:up\nALTER TABLE users DROP COLUMN legacy;\n-- migrate:down\nALTER TABEL users ADD COLUMN legacy boolean;\n",
    );
    const before = await pg.sql("SELECT version FROM schema_migrations ORDER BY 1", [], db);
    for (const args of [["plan"], ["run", "--confirm", "0123456789abcdef"]]) {
      const r = await cli(args, { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/PLAN_INVALID[\s\S]*drop_legacy\.sql/);
    }
    expect(await pg.sql("SELECT version FROM schema_migrations ORDER BY 1", [], db)).toEqual(before);
    expect(JSON.parse((await cli(["history", "--json"], { cwd: dir })).stdout)).toEqual([]);
  });

  it("bad input: a down failing halfway leaves nothing half done, and the rollback escalates", async () => {
    const { dir, db } = await environment("archive");
    // The second statement fails: the first one (adding the column back) must not survive.
    const file = join(dir, "db", "migrations", "20240101000003_drop_legacy.sql");
    writeFileSync(
      file,
      "-- migrate:up\nALTER TABLE users DROP COLUMN legacy;\n-- migrate:down\nALTER TABLE users ADD COLUMN legacy boolean NOT NULL DEFAULT false;\nALTER TABLE no_such_table ADD COLUMN x int;\n",
    );
    const r = await cli(["run", "--json"], { cwd: dir });
    expect(r.exitCode).toBe(1);
    const started = r.stdout.split("\n").filter((l) => l.includes('"step-started"'));
    // A SQL error in a down script will not fix itself: one attempt (not retryable), nothing after it.
    expect(started).toHaveLength(1);
    expect(r.stdout).toMatch(/"willRetry":false/);
    expect(r.stdout).toMatch(/no_such_table/);
    expect(r.stdout).toMatch(/"escalated"/);
    expect(await usersColumns(db)).toEqual(["email", "id", "nickname"]);
    expect(await pg.sql("SELECT count(*)::int AS n FROM schema_migrations", [], db)).toEqual([{ n: 3 }]);
  });
});
