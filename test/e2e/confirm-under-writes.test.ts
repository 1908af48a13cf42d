import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dbmateProject } from "../support/dbmate.js";
import { startPostgres } from "../support/postgres.js";
import { cli, tempDir } from "./cli.js";

/** Plan, then run --confirm HASH, while an application keeps writing the rows the down drops. */
describe("the plan hash does not move under live writes (real PostgreSQL, real dbmate)", () => {
  it("backout plan, then backout run --confirm HASH succeeds with writers running", async () => {
    const pg = await startPostgres();
    try {
      const dir = tempDir("busy");
      const db = "app_busy";
      const url = await pg.createDatabase(db);
      const project = dbmateProject(url, join(dir, "db", "migrations"));
      project.write({
        "20240101000001_users.sql":
          "-- migrate:up\nCREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\n-- migrate:down\nDROP TABLE users;\n",
      });
      project.run("up");
      writeFileSync(
        join(dir, "backout.yaml"),
        `version: 1\nenvironment: busy\ncomponents:\n  db:\n    kind: postgres\n    url: ${url}\n    migrations: db/migrations\n    format: dbmate\n    dataLoss: confirm\n`,
      );
      expect((await cli(["checkpoint", "--good", "--name", "before"], { cwd: dir })).exitCode).toBe(0);
      project.write({
        "20240101000002_nickname.sql":
          "-- migrate:up\nALTER TABLE users ADD COLUMN nickname text;\n-- migrate:down\nALTER TABLE users DROP COLUMN nickname;\n",
      });
      project.run("up");

      let writing = true;
      let written = 0;
      const writer = (async () => {
        // Writes the column the down drops, until the rollback has dropped it (then the insert fails).
        while (writing) {
          try {
            await pg.sql("INSERT INTO users (email, nickname) VALUES ('a@x', 'n')", [], db);
            written += 1;
          } catch {
            return;
          }
        }
      })();
      const plan = JSON.parse((await cli(["plan", "--json"], { cwd: dir })).stdout) as {
        hash: string;
        dataLoss: boolean;
      };
      expect(plan.dataLoss).toBe(true);
      const before = written;
      const run = await cli(["run", "--confirm", plan.hash.slice(0, 12)], { cwd: dir });
      writing = false;
      await writer;
      expect(written).toBeGreaterThan(before);
      expect(run.exitCode, run.stderr).toBe(0);
      const cols = await pg.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users'",
        [],
        db,
      );
      expect(cols.map((c) => String(c.column_name)).sort()).toEqual(["email", "id"]);
    } finally {
      await pg.stop();
    }
  });
});
