/**
 * The outage of issue 11: with the natural Capistrano layout, the migrations live under the
 * release (`migrations: srv/api/current/db/migrations`). The api release rolls back first (it
 * depends on db), switching `current` to v1, whose directory does not have v2's migration. The
 * db step must still revert it: the plan carries the down's SQL, and apply never reads the files.
 */
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dbmateProject } from "../support/dbmate.js";
import { useCluster } from "../support/postgres.js";
import { cli, tempDir } from "./cli.js";

const V1 = {
  "20240101000001_create_users.sql":
    "-- migrate:up\nCREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\n-- migrate:down\nDROP TABLE users;\n",
};
const V2 = {
  ...V1,
  "20240101000002_index_email.sql":
    "-- migrate:up\nCREATE INDEX users_email_idx ON users (email);\n-- migrate:down\nDROP INDEX users_email_idx;\n",
};

function release(app: string, name: string, files: Record<string, string>): void {
  const dir = join(app, "releases", name, "db", "migrations");
  mkdirSync(dir, { recursive: true });
  for (const [file, sql] of Object.entries(files)) writeFileSync(join(dir, file), sql);
}

/** Capistrano's own switch: a new link renamed over `current`. */
function switchCurrent(app: string, name: string): void {
  const tmp = join(app, "current.tmp");
  symlinkSync(join(app, "releases", name), tmp);
  renameSync(tmp, join(app, "current"));
}

describe("postgres with migrations under a Capistrano `current` (real PostgreSQL, real dbmate)", () => {
  const pg = useCluster();

  it("the release rolls back first and switches current; the db step still reverts from the plan", async () => {
    const dir = tempDir("capistrano");
    const app = join(dir, "srv", "api");
    release(app, "v1", V1);
    release(app, "v2", V2);
    switchCurrent(app, "v1");
    const url = await pg.createDatabase("cap");
    const dbmate = dbmateProject(url, join(app, "current", "db", "migrations"));
    dbmate.run("up");
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: capistrano
components:
  api:
    kind: release
    path: srv/api
    dependsOn: [db]
  db:
    kind: postgres
    url: ${url}
    migrations: srv/api/current/db/migrations
    format: dbmate
`,
    );
    const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir });
    expect(cp.exitCode, cp.stderr).toBe(0);

    // The deploy: current → v2, then its migration.
    switchCurrent(app, "v2");
    dbmate.run("up");

    const plan = JSON.parse((await cli(["plan", "--json"], { cwd: dir })).stdout) as {
      steps: { id: string; component: string; params: Record<string, unknown> }[];
    };
    expect(plan.steps.map((s) => s.component)).toEqual(["api", "db"]);
    const down = plan.steps[1]?.params ?? {};
    // The plan carries exactly what the db step will run, with its source and digest.
    expect(down.downSql).toBe("\nDROP INDEX users_email_idx;\n");
    expect(down.downFile).toMatch(/db\/migrations\/20240101000002_index_email\.sql$/);
    expect(down.downSha256).toMatch(/^[0-9a-f]{64}$/);

    const run = await cli(["run"], { cwd: dir });
    expect(run.exitCode, run.stderr + run.stdout).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(/PLAN_INVALID|no longer among the files/);
    // Both rolled back: api on v1, the schema as v1 expects it, dbmate agreeing.
    const versions = await pg.sql("SELECT version FROM schema_migrations ORDER BY 1", [], "cap");
    expect(versions).toEqual([{ version: "20240101000001" }]);
    expect(await pg.sql("SELECT indexname FROM pg_indexes WHERE tablename = 'users'", [], "cap")).toEqual([
      { indexname: "users_pkey" },
    ]);
    expect(dbmate.run("status")).toMatch(/Applied: 1/);
    const status = JSON.parse((await cli(["status", "--json"], { cwd: dir })).stdout) as unknown;
    expect(JSON.stringify(status)).toMatch(/v1/);
  });
});
