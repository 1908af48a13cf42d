/**
 * Issue 13's "done when": `backout init --yes` against a real nginx, a real PostgreSQL with
 * dbmate files and release directories writes a file that `doctor` passes and a rollback
 * succeeds with, with no edit to the generated file (only nginx.conf gets the two lines init
 * prints, as a user would add them).
 */
import { mkdirSync, readFileSync, symlinkSync, renameSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderInclude } from "../../src/providers/nginx/include-file.js";
import { cli, tempDir } from "../e2e/cli.js";
import { dbmateProject } from "../support/dbmate.js";
import { freePort } from "../support/free-port.js";
import { startNginx, type NginxInstance } from "../support/nginx.js";
import { startPostgres, type PgCluster } from "../support/postgres.js";
import { until } from "../support/until.js";

const FIRST = {
  "20240101000001_create_users.sql":
    "-- migrate:up\nCREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\n-- migrate:down\nDROP TABLE users;\n",
};
const DEPLOY = {
  "20240101000002_add_nickname.sql":
    "-- migrate:up\nALTER TABLE users ADD COLUMN nickname text;\n-- migrate:down\nALTER TABLE users DROP COLUMN nickname;\n",
};

function backend(name: string, port: number): Promise<Server> {
  const server = createServer((_req, res) => res.writeHead(200, { "x-served-by": name }).end(name));
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

describe("init → doctor → rollback on a real system (nginx, PostgreSQL with dbmate, release directories)", () => {
  let pg: PgCluster;
  let nginx: NginxInstance;
  const servers: Server[] = [];
  const ports: Record<string, number> = {};

  beforeAll(async () => {
    pg = await startPostgres();
    ports.blue = await freePort();
    ports.green = await freePort();
    servers.push(await backend("blue", ports.blue), await backend("green", ports.green));
    // Serving before backout exists; the lines init prints are added below.
    nginx = await startNginx({
      http: ({ port }) =>
        `  # BACKOUT-HTTP\n  server {\n    listen 127.0.0.1:${port};\n    # BACKOUT-SERVER\n    location / { return 200 "before backout"; }\n  }`,
    });
  });
  afterAll(async () => {
    await nginx?.stop();
    await pg?.stop();
    for (const s of servers) s.close();
  });

  it("writes a file doctor passes, then a rollback to its checkpoint succeeds", async () => {
    const dir = tempDir("init");
    // Release directories as a deploy tool leaves them.
    mkdirSync(join(dir, "app", "releases", "v1"), { recursive: true });
    writeFileSync(join(dir, "app", "releases", "v1", "VERSION"), "v1");
    symlinkSync("releases/v1", join(dir, "app", "current"));
    const url = await pg.createDatabase("app");
    const project = dbmateProject(url, join(dir, "db", "migrations"));
    project.write(FIRST);
    project.run("up");

    const include = join(dir, "nginx", "edge.conf");
    const init = await cli(
      [
        "init",
        "--yes",
        "--environment",
        "staging",
        "--postgres",
        url,
        "--nginx-config",
        nginx.confPath,
        "--nginx-include",
        include,
        "--pool",
        `blue=127.0.0.1:${ports.blue}`,
        "--pool",
        `green=127.0.0.1:${ports.green}`,
        "--probe",
        nginx.url("/"),
        "--pool-header",
        "X-Backout-Pool",
      ],
      { cwd: dir, env: { DATABASE_URL: "", REDIS_URL: "" } },
    );
    expect(init.stderr).not.toContain("error[");
    expect(init.exitCode).toBe(0);
    const yaml = readFileSync(join(dir, "backout.yaml"), "utf8");
    expect(yaml.split("\n")[0]).toBe("# yaml-language-server: $schema=./backout.schema.json");
    expect(JSON.parse(readFileSync(join(dir, "backout.schema.json"), "utf8"))).toHaveProperty("$schema");
    expect(yaml).toContain("format: dbmate");
    expect(yaml).toContain('path: "app"');
    expect(readFileSync(include, "utf8")).toContain(`server 127.0.0.1:${ports.blue};`);

    // The two lines init printed, added to nginx.conf as a user would, then a reload.
    const includeLine = /^\s*(include .*;)/m.exec(init.stderr)?.[1];
    const ifLine = /^\s*(if \(\$backout_maintenance\) \{ return 503; \})/m.exec(init.stderr)?.[1];
    expect(includeLine).toBe(`include ${include};`);
    expect(ifLine).toBeDefined();
    const conf = readFileSync(nginx.confPath, "utf8")
      .replace("# BACKOUT-HTTP", includeLine ?? "")
      .replace(
        '# BACKOUT-SERVER\n    location / { return 200 "before backout"; }',
        `${ifLine ?? ""}\n    add_header X-Backout-Pool $backout_pool always;\n    location / { proxy_pass http://app_pool; }`,
      );
    writeFileSync(nginx.confPath, conf);
    execFileSync(nginx.binary, ["-p", nginx.dir, "-c", nginx.confPath, "-s", "reload"]);
    await until("nginx serving the blue pool", async () => {
      const r = await fetch(nginx.url("/")).catch(() => undefined);
      return r?.headers.get("x-backout-pool") === "blue";
    });

    const doctor = await cli(["doctor"], { cwd: dir });
    expect(doctor.stdout).not.toContain("FAIL");
    expect(doctor.exitCode).toBe(0);
    for (const name of [
      "nginx -t",
      "probe",
      "include file",
      "current release",
      "privileges: reverse",
      "migrations",
    ]) {
      expect(doctor.stdout).toMatch(new RegExp(`pass {2}${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:`));
    }
    expect((await cli(["checkpoint", "--name", "before-v2", "--good"], { cwd: dir })).exitCode).toBe(0);

    // The deploy: release v2, a migration, nginx on green.
    mkdirSync(join(dir, "app", "releases", "v2"));
    symlinkSync("releases/v2", join(dir, "app", "current.new"));
    renameSync(join(dir, "app", "current.new"), join(dir, "app", "current"));
    project.write(DEPLOY);
    project.run("up");
    writeFileSync(
      include,
      renderInclude(
        { upstream: "app_pool", pool: "green", servers: [`127.0.0.1:${ports.green}`], maintenance: false },
        { component: "edge", variablePrefix: "backout" },
      ),
    );
    execFileSync(nginx.binary, ["-p", nginx.dir, "-c", nginx.confPath, "-s", "reload"]);

    // Dropping the new column loses its data: the gate holds the rollback until the plan is confirmed.
    const run = await cli(["run"], { cwd: dir });
    expect(run.exitCode).toBe(3);
    const [, id, hash] = /backout approve (\S+) --plan-hash (\w+)/.exec(run.stderr) ?? [];
    const approved = await cli(["approve", id ?? "", "--plan-hash", hash ?? ""], { cwd: dir });
    expect(approved.stderr).toContain("succeeded");
    expect(approved.exitCode).toBe(0);
    expect(readFileSync(join(dir, "app", "current", "VERSION"), "utf8")).toBe("v1");
    const columns = await pg.sql(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1",
      [],
      "app",
    );
    expect(columns.map((c) => c.column_name as string)).toEqual(["email", "id"]);
    const served = await fetch(nginx.url("/"));
    expect(served.headers.get("x-backout-pool")).toBe("blue");
    expect(readFileSync(join(dir, "backout.yaml"), "utf8")).toBe(yaml);
  });
});
