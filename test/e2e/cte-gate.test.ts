/**
 * Issue 12 item 3 through the CLI, real dbmate and PostgreSQL: a down whose DELETE hides in a
 * data-modifying WITH (`WITH gone AS (DELETE ...) SELECT count(*) FROM gone`) was "safe: reads
 * only"; `run` with no confirmation and no terminal deleted the rows and exited 0. Now plan
 * names and counts what it deletes, and run stops at the gate (exit 3) with every row still
 * there, under the archive policy too (the archive cannot isolate rows a WITH picks).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dbmateProject } from "../support/dbmate.js";
import { useCluster } from "../support/postgres.js";
import { cli, tempDir } from "./cli.js";

const FIRST = {
  "20240101000001_orders.sql":
    "-- migrate:up\nCREATE TABLE orders (id serial PRIMARY KEY, status text NOT NULL);\n-- migrate:down\nDROP TABLE orders;\n",
};
const DEPLOY = {
  "20240101000002_test_orders.sql":
    "-- migrate:up\nINSERT INTO orders (status) VALUES ('test');\n" +
    "-- migrate:down\nWITH gone AS (DELETE FROM orders WHERE status='test' RETURNING id) SELECT count(*) FROM gone;\n",
};

describe("a DELETE inside a data-modifying WITH (real dbmate, real PostgreSQL, the CLI)", () => {
  const pg = useCluster();

  it("plan names and counts the rows it deletes; run stops at the gate and deletes nothing", async () => {
    const dir = tempDir("cte");
    const url = await pg.createDatabase("cte");
    const project = dbmateProject(url, join(dir, "db", "migrations"));
    project.write(FIRST);
    project.run("up");
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: cte
components:
  db:
    kind: postgres
    url: ${url}
    migrations: db/migrations
    format: dbmate
    dataLoss: archive
`,
    );
    const cp = await cli(["checkpoint", "--good", "--name", "before"], { cwd: dir });
    expect(cp.exitCode, cp.stderr).toBe(0);
    project.write(DEPLOY);
    project.run("up");
    // Real orders that happen to carry status 'test' (the 1,667 of the report), and others.
    await pg.sql(
      "INSERT INTO orders (status) SELECT CASE WHEN g % 3 = 0 THEN 'test' ELSE 'paid' END FROM generate_series(1, 5000) g",
      [],
      "cte",
    );
    const count = async () =>
      (await pg.sql("SELECT count(*)::int AS n FROM orders", [], "cte"))[0]?.n as number;
    const before = await count();

    const plan = JSON.parse((await cli(["plan", "--json"], { cwd: dir })).stdout) as {
      dataLoss: boolean;
      steps: { risk: { dataLoss: boolean; summary: string; measured?: string } }[];
    };
    expect(plan.dataLoss).toBe(true);
    expect(plan.steps[0]?.risk.summary).toContain("deletes rows where status='test' of public.orders");
    expect(plan.steps[0]?.risk.measured).toBe("orders: 1,667 rows");

    const run = await cli(["run"], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(3);
    expect(await count()).toBe(before);
    expect(await pg.sql("SELECT count(*)::int AS n FROM schema_migrations", [], "cte")).toEqual([{ n: 2 }]);
  });
});
