/**
 * The same scripted writes on clusters of their own (a PITR rewinds a whole cluster): one
 * rolled back straight through, the others killed (SIGKILL) at a given point of the PITR
 * restore and resumed. Their end states must all be equal.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, startCli } from "../e2e/cli.js";
import { schemaOf, type ReplayEnv } from "./environment.js";
import { dataDirs, pitrEnvironment, type PitrCluster, startPitrCluster } from "./pitr-environment.js";
import { endState, scriptedWrites } from "./scripted-writes.js";

/** The replay crash test's end state, plus the schema and whether the database takes connections. */
async function pitrEndState(c: PitrCluster, db: string): Promise<unknown[]> {
  return [
    ...(await endState(c, db)),
    await schemaOf(c, db),
    await c.sql("SELECT datallowconn FROM pg_database WHERE datname = $1", [db]),
  ];
}

/** Where the PITR restore is, seen from outside: directories, pid files, the copy's progress. */
interface Probe {
  cluster: PitrCluster;
  db: string;
  admin?: pg.Client;
}

const restoredDir = (p: Probe): string | undefined => {
  const name = dataDirs(p.cluster).find((n) => n.startsWith("data__restored_"));
  return name === undefined ? undefined : join(p.cluster.root, name);
};

/** Replay progress (last_seq) in the recovered copy, on the port its pid file names; -1 if none. */
async function copyProgress(p: Probe): Promise<number> {
  const dir = restoredDir(p);
  if (dir === undefined || !existsSync(join(dir, "backout-recovered.json"))) return -1;
  let port: string | undefined;
  try {
    port = readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[3];
  } catch {
    return -1;
  }
  const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/${p.db}` });
  c.on("error", () => undefined);
  try {
    await c.connect();
    const r = await c.query<{ s: string | null }>(
      "SELECT max(last_seq)::text AS s FROM backout_archive.replay_progress",
    );
    return Number(r.rows[0]?.s ?? -1);
  } catch {
    return -1;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** True once the live database refuses connections (the block before the last drain). */
async function liveBlocked(p: Probe): Promise<boolean> {
  try {
    if (!p.admin) {
      p.admin = new pg.Client({ connectionString: p.cluster.url("postgres") });
      p.admin.on("error", () => undefined);
      await p.admin.connect();
    }
    const r = await p.admin.query<{ a: boolean }>(
      "SELECT datallowconn AS a FROM pg_database WHERE datname = $1",
      [p.db],
    );
    return r.rows[0]?.a === false;
  } catch {
    await p.admin?.end().catch(() => undefined);
    delete p.admin;
    return false;
  }
}

/** The live server's postmaster.pid is gone or says it is shutting down. */
function liveStopping(p: Probe): boolean {
  try {
    return (
      readFileSync(join(p.cluster.dataDir, "postmaster.pid"), "utf8").split("\n")[7]?.trim() === "stopping"
    );
  } catch {
    return true;
  }
}

const KILL_POINTS: Record<string, (p: Probe) => Promise<boolean> | boolean> = {
  // The copy is being recovered (no marker yet): the next run throws it away and recovers again.
  recovering: (p) => {
    const dir = restoredDir(p);
    return (
      dir !== undefined &&
      existsSync(join(dir, "postmaster.pid")) &&
      !existsSync(join(dir, "backout-recovered.json"))
    );
  },
  // The first replay pass runs in the copy while the live server still serves.
  replaying: async (p) => (await copyProgress(p)) > 0,
  // The live database refuses connections: the last drain, the second pass, the stops.
  blocked: liveBlocked,
  // The live server is stopping or stopped, the directories not yet renamed (or the copy not
  // yet started). Both servers stop at once and the renames follow the stop within a
  // millisecond, so the shutdown itself (postmaster.pid says "stopping") is the window to hit.
  stopped: (p) => restoredDir(p) !== undefined && liveStopping(p),
};

describe("SIGKILL of `backout run` during a PITR restore, then `backout resume`", () => {
  const clusters: PitrCluster[] = [];
  let straight: { cluster: PitrCluster; env: ReplayEnv; state: unknown[] };
  beforeAll(async () => {
    const cluster = await startPitrCluster();
    clusters.push(cluster);
    const env = await pitrEnvironment(cluster, "straight");
    await scriptedWrites(cluster, env);
    const ok = await cli(["run", "--json"], { cwd: env.dir });
    expect(ok.exitCode, ok.stderr + ok.stdout.slice(-2000)).toBe(0);
    straight = { cluster, env, state: await pitrEndState(cluster, env.db) };
  }, 120_000);
  afterAll(() => {
    for (const c of clusters) c.stop();
  });

  it.each(Object.keys(KILL_POINTS))(
    "killed while %s: resume ends in the same state as a rollback that was not interrupted",
    async (point) => {
      const cluster = await startPitrCluster();
      clusters.push(cluster);
      const env = await pitrEnvironment(cluster, `crash_${point}`, { lockLease: "1s" });
      await scriptedWrites(cluster, env);
      const probe: Probe = { cluster, db: env.db };
      const reached = KILL_POINTS[point] ?? (() => false);
      const child = startCli(["run", "--json"], { cwd: env.dir });
      let killed = false;
      const until = Date.now() + 60_000;
      while (Date.now() < until && child.exitCode === null) {
        if (await reached(probe)) {
          child.kill("SIGKILL");
          killed = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      await child.catch(() => undefined);
      await probe.admin?.end().catch(() => undefined);
      expect(killed, `the run was killed while ${point}`).toBe(true);

      const status = JSON.parse((await cli(["status", "--json"], { cwd: env.dir })).stdout) as {
        interrupted: { id: string }[];
      };
      expect(status.interrupted).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1100)); // the dead run's lock lease expires
      const resumed = await cli(["resume", status.interrupted[0]?.id ?? ""], { cwd: env.dir });
      expect(resumed.exitCode, resumed.stderr + resumed.stdout.slice(-2000)).toBe(0);

      const state = await pitrEndState(cluster, env.db);
      expect((state[0] as unknown[]).length).toBeGreaterThan(0);
      expect(state).toEqual(straight.state);
      expect(dataDirs(cluster)).toEqual(["data", expect.stringMatching(/^data__before_/) as string]);
    },
    120_000,
  );
});
