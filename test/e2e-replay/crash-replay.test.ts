/**
 * The same scripted writes in two environments: one rolled back straight through, the other
 * killed (SIGKILL) in the middle of its replay and resumed. Their end states must be equal.
 */

import pg from "pg";
import { describe, expect, it } from "vitest";
import { useCluster } from "../support/postgres.js";
import { cli, startCli } from "../e2e/cli.js";
import { LOGICAL, replayEnvironment } from "./environment.js";
import { endState, scriptedWrites } from "./scripted-writes.js";

/**
 * last_seq of the replay progress, or -1 while there is none yet. The replay runs in the restored
 * copy (`<db>__restored_<id>`) before the swap, so that is where to look; a new connection each
 * time, since the swap ends old ones.
 */
async function progress(url: string): Promise<number> {
  const u = new URL(url);
  const live = decodeURIComponent(u.pathname.slice(1));
  const at = (database: string) => {
    const v = new URL(url);
    v.pathname = `/${encodeURIComponent(database)}`;
    return v.toString();
  };
  const admin = new pg.Client({ connectionString: at("postgres") });
  admin.on("error", () => undefined);
  let copies: string[] = [];
  try {
    await admin.connect();
    const r = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`${live}__restored_%`],
    );
    copies = r.rows.map((row) => row.datname);
  } catch {
    return -1;
  } finally {
    await admin.end().catch(() => undefined);
  }
  let best = -1;
  for (const database of copies) {
    const c = new pg.Client({ connectionString: at(database) });
    c.on("error", () => undefined); // the swap terminates sessions

    try {
      await c.connect();
      const r = await c.query<{ s: string }>(
        "SELECT max(last_seq)::text AS s FROM backout_archive.replay_progress",
      );
      best = Math.max(best, Number(r.rows[0]?.s ?? -1));
    } catch {
      // not restored yet, or no progress table yet
    } finally {
      await c.end().catch(() => undefined);
    }
  }
  return best;
}

describe("SIGKILL of `backout run` during the replay, then `backout resume`", () => {
  const pgc = useCluster({ settings: LOGICAL });

  it("ends in the same state as a rollback that was not interrupted", async () => {
    const straight = await replayEnvironment(pgc, "straight");
    const crashed = await replayEnvironment(pgc, "crashed", { lockLease: "1s" });
    await scriptedWrites(pgc, straight);
    await scriptedWrites(pgc, crashed);

    const ok = await cli(["run", "--json"], { cwd: straight.dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const stored = Number(/(\d+) changes in the capture store/.exec(ok.stdout)?.[1]);
    expect(stored).toBeGreaterThan(5000);

    const child = startCli(["run", "--json"], { cwd: crashed.dir });
    let killedAt = -1;
    const until = Date.now() + 15_000;
    while (Date.now() < until && child.exitCode === null) {
      const p = await progress(crashed.url);
      if (p > 0) {
        child.kill("SIGKILL");
        killedAt = p;
        break;
      }
    }
    await child.catch(() => undefined);
    expect(killedAt, "the run was killed while it replayed").toBeGreaterThan(0);
    expect(killedAt, "the run was killed before the replay ended").toBeLessThan(stored);

    const status = JSON.parse((await cli(["status", "--json"], { cwd: crashed.dir })).stdout) as {
      interrupted: { id: string }[];
    };
    expect(status.interrupted).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100)); // the dead run's lock lease expires
    const resumed = await cli(["resume", status.interrupted[0]?.id ?? ""], { cwd: crashed.dir });
    expect(resumed.exitCode, resumed.stderr).toBe(0);

    const a = await endState(pgc, straight.db);
    const b = await endState(pgc, crashed.db);
    expect((a[0] as unknown[]).length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });
});
