/**
 * A cluster for the PITR restore-and-replay tests: run by pg_ctl (the rollback stops it and
 * starts the recovered data directory in its place), wal_level=logical, archive_mode=on with an
 * archive_command into its WAL archive; and one backout environment on it (snapshot: pitr). A
 * PITR rewinds the whole cluster, so each environment gets a cluster of its own.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { type CtlCluster, startCtlCluster } from "../providers/postgres/strategies/restore/pg-ctl-cluster.js";
import { LOGICAL, replayEnvironment, type EnvOptions, type ReplayEnv } from "./environment.js";

export interface PitrCluster extends CtlCluster {
  createDatabase(name: string): Promise<string>;
  connect(db?: string): Promise<pg.Client>;
}

export async function startPitrCluster(): Promise<PitrCluster> {
  const c = await startCtlCluster({ ...LOGICAL, max_connections: "60" });
  return {
    ...c,
    async createDatabase(name) {
      await c.sql(`CREATE DATABASE "${name}"`);
      return c.url(name);
    },
    async connect(db) {
      const client = new pg.Client({ connectionString: c.url(db) });
      client.on("error", () => undefined); // the swap stops the server under it
      await client.connect();
      return client;
    },
  };
}

export async function pitrEnvironment(
  cluster: PitrCluster,
  name: string,
  extra: Omit<EnvOptions, "pitr"> & { sparePort?: number } = {},
): Promise<ReplayEnv> {
  const { sparePort, ...rest } = extra;
  return replayEnvironment(cluster, name, {
    ...rest,
    pitr: {
      dataDir: cluster.dataDir,
      walArchive: cluster.archive,
      ...(sparePort === undefined ? {} : { sparePort }),
    },
  });
}

/** The data directories next to the live one: `data`, `data__before_<id>`, `data__restored_<id>`. */
export function dataDirs(cluster: CtlCluster): string[] {
  return readdirSync(cluster.root)
    .filter((n) => n === "data" || n.startsWith("data__"))
    .sort();
}

/** True while a server runs on the directory (its pid file exists). */
export function running(dir: string): boolean {
  return existsSync(join(dir, "postmaster.pid"));
}
