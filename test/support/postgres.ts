/**
 * A real PostgreSQL cluster for tests: initdb in a temporary directory, `postgres` on a free
 * loopback port, stopped (fast shutdown) and removed by stop(). PostgreSQL refuses to run as
 * root, so as root the cluster runs as the `postgres` user (created by Debian's package).
 * initdb runs once per machine and PostgreSQL build: every cluster starts from a copy of that
 * template data directory (seconds of CPU each on a loaded machine otherwise).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.js";
import { useService } from "./use-service.js";

export const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface PgCluster {
  host: string;
  port: number;
  dataDir: string;
  /** The directory this cluster lives in (data/, sockets/, log). */
  root: string;
  /** postgres://postgres@127.0.0.1:PORT/DB (trust authentication on loopback). */
  url(database?: string): string;
  /** A connected client; the caller ends it. */
  connect(database?: string): Promise<pg.Client>;
  /** Runs SQL as the superuser on `database` (default postgres). */
  sql(text: string, values?: unknown[], database?: string): Promise<pg.QueryResultRow[]>;
  createDatabase(name: string): Promise<string>;
  /** A new, empty database with a name no other test in this file uses: isolation per test. */
  freshDatabase(prefix?: string): Promise<{ name: string; url: string }>;
  /** Runs a PostgreSQL program from PG_BIN (pg_dump, psql...) as the cluster's user. */
  run(program: string, args: string[]): string;
  stop(): Promise<void>;
}

export interface PgOptions {
  /** Extra server settings, e.g. { wal_level: "logical" }. */
  settings?: Record<string, string>;
}

interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    return { uid, gid, user: "postgres" };
  } catch {
    throw new Error(
      "running as root, and there is no `postgres` user to run PostgreSQL as: install the Debian package postgresql-15 (scripts/setup does)",
    );
  }
}

/** argv for a PostgreSQL program, run as the cluster's user when we are root. */
function command(as: RunAs | undefined, program: string, args: string[]): [string, string[]] {
  const bin = join(PG_BIN, program);
  return as ? ["runuser", ["-u", as.user, "--", bin, ...args]] : [bin, args];
}

/** Until the server accepts connections; its log is added to the error by the caller. */
async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const until = Date.now() + 20_000;
  let last: unknown;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}`);
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (e) {
      last = e;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`postgres did not accept connections within 20 s: ${String(last)}`);
}

const INITDB_ARGS = ["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C"];

/**
 * Copies the template data directory into `dataDir` (cp -a keeps the owner and the 0700 mode
 * PostgreSQL insists on), making the template first when this machine has none for PG_BIN.
 * Parallel test files may race to make it: each runs initdb in its own directory and renames
 * it into place atomically; a loser's rename fails and its copy is dropped.
 */
function copyTemplate(as: RunAs | undefined, dataDir: string): void {
  const key = createHash("sha256")
    .update(JSON.stringify([PG_BIN, as?.user ?? process.getuid?.(), INITDB_ARGS]))
    .digest("hex")
    .slice(0, 12);
  const template = join(tmpdir(), `backout-pg-template-${key}`);
  if (!existsSync(join(template, "PG_VERSION"))) {
    const staging = mkdtempSync(`${template}.`);
    if (as) {
      chmodSync(staging, 0o755);
      chownSync(staging, as.uid, as.gid);
    }
    const made = join(staging, "data");
    const [initdb, initArgs] = command(as, "initdb", ["-D", made, ...INITDB_ARGS]);
    execFileSync(initdb, initArgs, { stdio: "pipe" });
    try {
      renameSync(made, template);
    } catch {
      // Another test file made it first (a rename onto a full directory fails): use theirs.
    }
    rmSync(staging, { recursive: true, force: true });
  }
  execFileSync("cp", ["-a", template, dataDir], { stdio: "pipe" });
}

/** A fresh data directory at `dataDir` (whose parent exists), owned by the cluster's user. */
export function initDataDir(dataDir: string): void {
  copyTemplate(runAs(), dataDir);
}

export async function startPostgres(options: PgOptions = {}): Promise<PgCluster> {
  if (!existsSync(join(PG_BIN, "postgres"))) {
    throw new Error(
      `no PostgreSQL server in ${PG_BIN}: install the Debian package postgresql-15 (or set PG_BIN)`,
    );
  }
  const as = runAs();
  const root = mkdtempSync(join(tmpdir(), "backout-pg-"));
  const dataDir = join(root, "data");
  const sockets = join(root, "sockets");
  mkdirSync(sockets);
  if (as) {
    chmodSync(root, 0o755);
    chownSync(root, as.uid, as.gid);
    chownSync(sockets, as.uid, as.gid);
  }
  copyTemplate(as, dataDir);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: sockets,
    max_connections: "50",
    ...options.settings,
  };
  const args = [
    "-D",
    dataDir,
    "-p",
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`]),
  ];
  const [bin, argv] = command(as, "postgres", args);
  const child = spawn(bin, argv, { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  try {
    await waitReady(url(), child);
  } catch (e) {
    child.kill("SIGKILL");
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${log.slice(-2000)}`);
  }

  let databases = 0;
  const cluster: PgCluster = {
    host: "127.0.0.1",
    port,
    dataDir,
    root,
    url,
    async connect(database) {
      const client = new pg.Client({ connectionString: url(database) });
      // A session the server terminates (a database swap, a drop) must fail its queries, not
      // crash the test process with an unhandled 'error' event.
      client.on("error", () => undefined);
      await client.connect();
      return client;
    },
    async sql(text, values, database) {
      const client = await cluster.connect(database);
      try {
        return (await client.query<pg.QueryResultRow>(text, values)).rows;
      } finally {
        await client.end();
      }
    },
    async createDatabase(name) {
      await cluster.sql(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      return url(name);
    },
    async freshDatabase(prefix = "t") {
      const name = `${prefix}_${++databases}`;
      return { name, url: await cluster.createDatabase(name) };
    },
    run(program, programArgs) {
      const [b, a] = command(as, program, programArgs);
      return execFileSync(b, a, { stdio: ["ignore", "pipe", "pipe"], cwd: root }).toString();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        // Fast shutdown: disconnect clients, no waiting for them. runuser does not pass SIGINT
        // on (every stop took the 10 s to SIGKILL, which left the postmaster running orphaned),
        // so the postmaster itself is signalled; runuser exits with it.
        const postmaster = postmasterPid(dataDir) ?? child.pid;
        signal(postmaster, "SIGINT");
        const timer = setTimeout(() => {
          signal(postmaster, "SIGKILL");
          child.kill("SIGKILL");
        }, 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** The running postmaster's pid: the first line of its postmaster.pid. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  try {
    if (pid !== undefined) process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * A cluster started once for the enclosing file or describe block (see useService): tests that
 * need isolation take `freshDatabase()` each instead of a cluster each.
 */
export function useCluster(options: PgOptions = {}): PgCluster {
  return useService(
    "PostgreSQL",
    () => startPostgres(options),
    (c) => c.stop(),
  );
}
