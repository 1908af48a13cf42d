/**
 * Every doctor check has a failing case, against the real thing (nginx, HAProxy, git, Redis,
 * PostgreSQL, directories): each test breaks exactly what its check is about and expects that
 * check, by name, to say "fail" (or "warn" where the rollback still works) with a fix.
 */
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DoctorCheck } from "../../src/core/doctor-check.js";
import type { Provider } from "../../src/core/provider.js";
import { builtinProviders } from "../../src/providers/index.js";
import { renderInclude } from "../../src/providers/nginx/include-file.js";
import { tempDir } from "../e2e/cli.js";
import { contextFor } from "../providers/context.js";
import { dbmateProject } from "../support/dbmate.js";
import { freePort } from "../support/free-port.js";
import { commitFiles, git, makeConfigRepo } from "../support/git.js";
import { useHaproxy } from "../support/haproxy.js";
import { startNginx, type NginxInstance } from "../support/nginx.js";
import { startPostgres, type PgCluster } from "../support/postgres.js";

const providers = builtinProviders();

async function doctor(
  kind: string,
  settings: unknown,
  baseDir = tempDir("doctor"),
  name = "c",
): Promise<DoctorCheck[]> {
  const provider = providers.get(kind) as Provider<unknown>;
  const ctx = contextFor(provider, { baseDir, settings, name });
  return (await provider.doctor?.(ctx)) ?? [];
}

function check(checks: DoctorCheck[], name: string): DoctorCheck {
  const found = checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check "${name}" in ${JSON.stringify(checks, null, 2)}`);
  return found;
}

function expectStatus(checks: DoctorCheck[], name: string, status: "fail" | "warn" | "pass"): DoctorCheck {
  const c = check(checks, name);
  expect(c.status, JSON.stringify(c)).toBe(status);
  if (status !== "pass") expect(c.fix).toBeTruthy();
  return c;
}

function releaseRoot(releases: string[], current?: string): string {
  const root = tempDir("release");
  for (const r of releases) mkdirSync(join(root, "releases", r), { recursive: true });
  if (current !== undefined) symlinkSync(`releases/${current}`, join(root, "current"));
  return root;
}

describe("release doctor", () => {
  it("fails without a current symlink", async () => {
    expectStatus(await doctor("release", { path: releaseRoot(["v1"]) }), "current release", "fail");
  });
  it("warns when no other release is kept to go back to, passes with one", async () => {
    expectStatus(
      await doctor("release", { path: releaseRoot(["v1"], "v1") }),
      "releases to go back to",
      "warn",
    );
    expectStatus(
      await doctor("release", { path: releaseRoot(["v1", "v2"], "v2") }),
      "releases to go back to",
      "pass",
    );
  });
  it("fails when the restart command is missing", async () => {
    const checks = await doctor("release", {
      path: releaseRoot(["v1", "v2"], "v2"),
      restart: { command: ["/nonexistent/restart"] },
    });
    expectStatus(checks, "restart command", "fail");
  });
  it("fails when the release does not answer its health check now", async () => {
    const port = await freePort();
    const checks = await doctor("release", {
      path: releaseRoot(["v1", "v2"], "v2"),
      health: { http: `http://127.0.0.1:${port}/health`, retries: 0, timeout: 1 },
    });
    expectStatus(checks, "health now", "fail");
  });
  it("fails when the application directory is not writable (swap rights)", async () => {
    if (process.getuid?.() === 0) return; // root may write anywhere: nothing to break
    const root = releaseRoot(["v1", "v2"], "v2");
    chmodSync(root, 0o555);
    try {
      expectStatus(await doctor("release", { path: root }), "swap rights", "fail");
    } finally {
      chmodSync(root, 0o755);
    }
  });
});

describe("nginx doctor", () => {
  let nginx: NginxInstance;
  let include: string;
  const pools = { blue: ["127.0.0.1:9"] };
  beforeAll(async () => {
    nginx = await startNginx({
      files: {
        "backout/edge.conf": renderInclude(
          { upstream: "app_pool", pool: "blue", servers: ["127.0.0.1:9"], maintenance: false },
          { component: "edge", variablePrefix: "backout" },
        ),
      },
      http: ({ port, dir }) =>
        `  include ${join(dir, "backout/edge.conf")};\n  server { listen 127.0.0.1:${port}; add_header X-Backout-Pool $backout_pool always; location / { return 200 "ok"; } }`,
    });
    include = join(nginx.dir, "backout/edge.conf");
  });
  afterAll(async () => {
    await nginx?.stop();
  });
  const settings = (over: Record<string, unknown> = {}) => ({
    nginx: nginx.binary,
    config: nginx.confPath,
    prefix: nginx.dir,
    include,
    upstream: "app_pool",
    pools,
    probe: { url: nginx.url("/"), poolHeader: "X-Backout-Pool", retries: 0 },
    ...over,
  });

  it("passes on a working setup (so each failure below is the one thing broken)", async () => {
    const checks = await doctor("nginx", settings());
    for (const name of ["include file", "included by nginx.conf", "nginx -t", "probe"])
      expectStatus(checks, name, "pass");
  });
  it("fails when the include file is missing", async () => {
    expectStatus(
      await doctor("nginx", settings({ include: join(nginx.dir, "missing.conf") })),
      "include file",
      "fail",
    );
  });
  it("warns when nginx.conf does not name the include", async () => {
    const other = join(nginx.dir, "other.conf");
    writeFileSync(other, "events {}\nhttp {}\n");
    expectStatus(await doctor("nginx", settings({ config: other })), "included by nginx.conf", "warn");
  });
  it("fails when nginx -t rejects the configuration, with nginx's own line", async () => {
    const broken = join(nginx.dir, "broken.conf");
    writeFileSync(
      broken,
      `events {}\nhttp { include ${include}; server { listen 127.0.0.1:1 bogus_option; } }\n`,
    );
    const c = expectStatus(await doctor("nginx", settings({ config: broken })), "nginx -t", "fail");
    expect(c.detail).toContain("[emerg]");
  });
  it("fails when the probe does not answer as the include says", async () => {
    const port = await freePort();
    expectStatus(
      await doctor(
        "nginx",
        settings({ probe: { url: `http://127.0.0.1:${port}/`, retries: 0, timeout: 1 } }),
      ),
      "probe",
      "fail",
    );
  });
});

describe("haproxy doctor", () => {
  const haproxy = useHaproxy();
  it("passes on the admin socket, fails on a user-level one", async () => {
    expectStatus(
      await doctor("haproxy", { socket: haproxy.socket, backend: haproxy.backend }),
      "socket level",
      "pass",
    );
    expectStatus(
      await doctor("haproxy", { socket: haproxy.userSocket, backend: haproxy.backend }),
      "socket level",
      "fail",
    );
  });
  it("fails on a backend HAProxy does not have", async () => {
    expectStatus(await doctor("haproxy", { socket: haproxy.socket, backend: "nope" }), "backend", "fail");
  });
});

describe("git doctor", () => {
  it("fails on a dirty working copy, a wrong branch and an unreachable remote; warns without a remote", async () => {
    const { work } = await makeConfigRepo(tempDir("git"));
    expectStatus(await doctor("git", { repo: work }), "remote", "warn");
    expectStatus(await doctor("git", { repo: work, remote: "origin" }), "remote", "pass");
    expectStatus(await doctor("git", { repo: work }), "clean", "pass");
    writeFileSync(join(work, "a.conf"), "changed by hand\n");
    expectStatus(await doctor("git", { repo: work }), "clean", "fail");
    await commitFiles(work, "hand edit", { "a.conf": "changed by hand\n" });
    expectStatus(await doctor("git", { repo: work, branch: "no-such-branch" }), "branch", "fail");
    await git(work, "remote", "add", "gone", join(tempDir("nowhere"), "missing.git"));
    expectStatus(await doctor("git", { repo: work, remote: "gone", push: false }), "remote", "fail");
  });
  it("fails when the directory is not a working copy", async () => {
    expectStatus(await doctor("git", { repo: tempDir("notgit") }), "working copy", "fail");
  });
});

describe("redis, command and file doctors", () => {
  it("redis: fails when nothing listens", async () => {
    const port = await freePort();
    expectStatus(
      await doctor("redis", { url: `redis://127.0.0.1:${port}/0`, patterns: ["x:*"] }),
      "reachable",
      "fail",
    );
  });
  it("command: fails when the capture command fails", async () => {
    expectStatus(
      await doctor("command", { capture: ["/bin/false"], apply: ["/bin/true"] }),
      "capture",
      "fail",
    );
  });
  it("file: warns on a missing file, fails on a directory listed as a file", async () => {
    const dir = tempDir("files");
    mkdirSync(join(dir, "conf.d"));
    const checks = await doctor("file", { files: [join(dir, "missing.conf"), join(dir, "conf.d")] }, dir);
    expectStatus(checks, `file ${join(dir, "missing.conf")}`, "warn");
    expectStatus(checks, `file ${join(dir, "conf.d")}`, "fail");
  });
});

describe("postgres doctor", () => {
  let pg: PgCluster;
  let plain: PgCluster;
  beforeAll(async () => {
    [pg, plain] = await Promise.all([startPostgres({ settings: { wal_level: "logical" } }), startPostgres()]);
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), plain?.stop()]);
  });
  async function project(cluster: PgCluster, db: string): Promise<{ dir: string; url: string }> {
    const dir = tempDir("pgdoc");
    const url = await cluster.createDatabase(db);
    const p = dbmateProject(url, join(dir, "db"));
    p.write({ "1_t.sql": "-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n" });
    p.run("up");
    return { dir, url };
  }

  it("fails when the server does not answer", async () => {
    const port = await freePort();
    expectStatus(
      await doctor("postgres", { url: `postgres://x@127.0.0.1:${port}/x`, migrations: "db" }),
      "reachable",
      "fail",
    );
  });
  it("fails when the migration files are not there", async () => {
    const { dir, url } = await project(pg, "nofiles");
    expectStatus(
      await doctor("postgres", { url, migrations: "elsewhere", format: "dbmate" }, dir),
      "migrations",
      "fail",
    );
  });
  it("fails when the role may not change the schema (reverse), passes as the owner", async () => {
    const { dir, url } = await project(pg, "rights");
    expectStatus(
      await doctor("postgres", { url, migrations: "db", format: "dbmate" }, dir),
      "privileges: reverse",
      "pass",
    );
    await pg.sql("CREATE ROLE weak LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC;", [], "rights");
    const weak = url.replace("postgres@", "weak@");
    expectStatus(
      await doctor("postgres", { url: weak, migrations: "db", format: "dbmate" }, dir),
      "privileges: reverse",
      "fail",
    );
  });
  it("snapshots: fails without REPLICATION/CREATEDB/restore point rights, warns with no slot yet", async () => {
    const { dir, url } = await project(pg, "snaps");
    await pg.sql("CREATE ROLE snapper LOGIN", [], "snaps");
    const checks = await doctor(
      "postgres",
      { url: url.replace("postgres@", "snapper@"), migrations: "db", format: "dbmate", snapshot: "dump" },
      dir,
    );
    expectStatus(checks, "privileges: restore-dump", "fail");
    const rights = checks.find((c) => c.name === "privileges: restore-dump");
    for (const lacking of ["REPLICATION", "CREATEDB", "pg_create_restore_point"])
      expect(rights?.detail).toContain(lacking);
    expectStatus(checks, "replication slot", "warn");
    expectStatus(checks, "disk for snapshots", "pass");
  });
  it("snapshots: fails when wal_level is not logical", async () => {
    const { dir, url } = await project(plain, "walminimal");
    expectStatus(
      await doctor("postgres", { url, migrations: "db", format: "dbmate", snapshot: "dump" }, dir),
      "wal_level",
      "fail",
    );
  });
});
