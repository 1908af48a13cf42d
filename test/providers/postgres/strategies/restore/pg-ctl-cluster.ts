/**
 * A PostgreSQL cluster controlled with pg_ctl (stop/start, data directory swapped underneath),
 * with archive_mode=on and an archive_command copying WAL into `archive/`. As root, every
 * program runs as the `postgres` user (PostgreSQL refuses root), like test/support/postgres.ts.
 */
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { initDataDir, PG_BIN } from "../../../../support/postgres.js";
import { freePort } from "../../../../support/free-port.js";

export interface CtlCluster {
  root: string;
  dataDir: string;
  archive: string;
  port: number;
  url(db?: string): string;
  sql(text: string, values?: unknown[], db?: string): Promise<pg.QueryResultRow[]>;
  /** Runs a program of PG_BIN as the cluster's user. */
  run(program: string, args: string[]): string;
  /** pg_basebackup -Fp (fast checkpoint) of the running cluster into root/`name`; returns the directory. */
  baseBackup(name: string): string;
  stop(): void;
}

function asUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    execFileSync("id", ["-u", "postgres"]);
    return "postgres";
  } catch {
    throw new Error(
      "running as root and there is no `postgres` user: install the Debian package postgresql-15",
    );
  }
}

export async function startCtlCluster(settings: Record<string, string> = {}): Promise<CtlCluster> {
  if (!existsSync(join(PG_BIN, "pg_ctl"))) {
    throw new Error(`no pg_ctl in ${PG_BIN}: install the Debian package postgresql-15 (or set PG_BIN)`);
  }
  const user = asUser();
  const root = mkdtempSync(join(tmpdir(), "backout-pgctl-"));
  const dataDir = join(root, "data");
  const archive = join(root, "archive");
  const sockets = join(root, "sockets");
  mkdirSync(archive);
  mkdirSync(sockets);
  if (user) {
    const uid = Number(execFileSync("id", ["-u", user]).toString());
    const gid = Number(execFileSync("id", ["-g", user]).toString());
    chmodSync(root, 0o755);
    for (const d of [root, archive, sockets]) chownSync(d, uid, gid);
  }
  const run = (program: string, args: string[]): string => {
    const bin = join(PG_BIN, program);
    const [file, argv] = user ? ["runuser", ["-u", user, "--", bin, ...args]] : [bin, args];
    return execFileSync(file, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: root }).toString();
  };
  initDataDir(dataDir);
  const port = await freePort();
  const conf: Record<string, string> = {
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${sockets}'`,
    max_connections: "30",
    wal_level: "replica",
    archive_mode: "on",
    archive_command: `'test ! -f ${archive}/%f && cp %p ${archive}/%f'`,
    fsync: "off",
    ...settings,
  };
  appendFileSync(
    join(dataDir, "postgresql.conf"),
    Object.entries(conf)
      .map(([k, v]) => `${k} = ${v}\n`)
      .join(""),
  );
  // The port on the command line: restorePitr must start the swapped-in directory the same way.
  run("pg_ctl", ["-D", dataDir, "-l", join(root, "server.log"), "-w", "-o", `-p ${port}`, "start"]);
  const url = (db = "postgres") => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    root,
    dataDir,
    archive,
    port,
    url,
    async sql(text, values, db) {
      const c = new pg.Client({ connectionString: url(db) });
      c.on("error", () => undefined); // a terminated session fails its query, not the process
      await c.connect();
      try {
        return (await c.query<pg.QueryResultRow>(text, values)).rows;
      } finally {
        await c.end();
      }
    },
    run,
    baseBackup(name) {
      const dir = join(root, name);
      run("pg_basebackup", [
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "-U",
        "postgres",
        "-D",
        dir,
        "-Fp",
        "-c",
        "fast",
      ]);
      return dir;
    },
    stop() {
      // Whatever directory runs now (a swapped-in copy, a recovering one) is under root.
      const dirs = readdirSync(root).filter((n) => n === "data" || n.startsWith("data__"));
      for (const dir of dirs.map((n) => join(root, n))) {
        if (existsSync(join(dir, "postmaster.pid"))) {
          try {
            run("pg_ctl", ["-D", dir, "-m", "immediate", "stop"]);
          } catch {
            // already stopped
          }
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
