import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dbmateProject } from "../support/dbmate.js";
import { startPostgres } from "../support/postgres.js";
import { cli, commandComponent, tempDir, writeStepScripts } from "./cli.js";

/** Scope means scope: with PostgreSQL stopped, what does not need the database still works. */
describe("scope and unreachable components (real PostgreSQL, stopped)", () => {
  it("--only web and --except db plan without reading db; checkpoint names db unless --allow-partial", async () => {
    const pg = await startPostgres();
    const dir = tempDir("scope");
    writeStepScripts(dir);
    const url = await pg.createDatabase("app_scope");
    const project = dbmateProject(url, join(dir, "db", "migrations"));
    project.write({
      "20240101000001_t.sql": "-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n",
    });
    project.run("up");
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1\nenvironment: scope\ncomponents:\n${commandComponent(dir, "web", [])}  db:\n    kind: postgres\n    url: ${url}\n    migrations: db/migrations\n    format: dbmate\n`,
    );
    const run = (...args: string[]) => cli(args, { cwd: dir });
    writeFileSync(join(dir, "state", "web"), "v1");
    expect((await run("checkpoint", "--good", "--name", "v1-good")).exitCode).toBe(0);
    writeFileSync(join(dir, "state", "web"), "v2");
    await pg.stop();

    for (const scope of [
      ["--only", "web"],
      ["--except", "db"],
    ]) {
      const plan = await run("plan", ...scope, "--json");
      expect(plan.exitCode, plan.stderr).toBe(0);
      expect(
        (JSON.parse(plan.stdout) as { components: { name: string }[] }).components.map((c) => c.name),
      ).toEqual(["web"]);
    }
    const all = await run("plan");
    expect(all.exitCode).not.toBe(0);
    expect(all.stderr).toMatch(/cannot capture db/);

    const cp = await run("checkpoint", "--name", "now");
    expect(cp.exitCode).not.toBe(0);
    expect(cp.stderr).toMatch(/checkpoint not taken: cannot capture db/);
    expect(cp.stderr).toMatch(/--allow-partial/);
    const partial = await run("checkpoint", "--name", "partial", "--allow-partial");
    expect(partial.exitCode, partial.stderr).toBe(0);
    expect(partial.stdout).toMatch(/db: NOT RECORDED/);
    const needsDb = await run("plan", "--to", "partial", "--except", "web");
    expect(needsDb.exitCode).toBe(2);
    expect(needsDb.stderr).toMatch(/CHECKPOINT_INCOMPLETE/);
    expect(needsDb.stderr).toMatch(/partial .* has no state for db/);
  });
});
