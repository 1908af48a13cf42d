import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  pruneKept,
  restorePitr,
} from "../../../../../src/providers/postgres/strategies/restore/copy/index.js";
import { idTag } from "../../../../../src/providers/postgres/strategies/restore/copy/names.js";
import type { PitrHooks } from "../../../../../src/providers/postgres/strategies/restore/copy/pitr/restore-pitr.js";
import { systemClock } from "../../../../../src/core/clock.js";
import { BackoutError } from "../../../../../src/core/errors.js";
import { PG_BIN } from "../../../../support/postgres.js";
import { type CtlCluster, startCtlCluster } from "./pg-ctl-cluster.js";

const redact = (t: string): string => t;
let cluster: CtlCluster;
let baseBackup: string;

beforeAll(async () => {
  cluster = await startCtlCluster();
  await cluster.sql("CREATE DATABASE app");
  await cluster.sql("CREATE TABLE items (id int PRIMARY KEY, phase text)", [], "app");
  await cluster.sql("INSERT INTO items SELECT g, 'base' FROM generate_series(1, 100) g", [], "app");
  baseBackup = cluster.baseBackup("base");
  await cluster.sql("INSERT INTO items SELECT g, 'before-rp' FROM generate_series(101, 150) g", [], "app");
  await cluster.sql("SELECT pg_create_restore_point('rp-checkpoint')");
  await cluster.sql("INSERT INTO items SELECT g, 'after-rp' FROM generate_series(151, 200) g", [], "app");
});
afterAll(() => {
  cluster?.stop();
});

async function phases(): Promise<Record<string, number>> {
  const rows = await cluster.sql(
    "SELECT phase, count(*)::int AS n FROM items GROUP BY phase ORDER BY phase",
    [],
    "app",
  );
  return Object.fromEntries(rows.map((r) => [String(r.phase), Number(r.n)]));
}

describe("restorePitr", () => {
  it("recovers to the restore point, swaps the directory in, restarts on the same port; again is a no-op", async () => {
    const opts = {
      dataDir: cluster.dataDir,
      baseBackup,
      walArchive: cluster.archive,
      restorePoint: "rp-checkpoint",
      rollbackId: "pitr-0001",
      pgBin: PG_BIN,
      redact,
      url: cluster.url(),
      timeoutMs: 15_000,
    };
    const result = await restorePitr(opts);
    expect(result).toMatchObject({
      did: "restored",
      keptAs: `${cluster.dataDir}__before_${idTag("pitr-0001")}`,
    });
    expect(await phases()).toEqual({ base: 100, "before-rp": 50 });
    const [rec] = await cluster.sql(
      "SELECT pg_is_in_recovery() AS r, current_setting('recovery_target_name') AS t",
    );
    expect(rec).toEqual({ r: false, t: "" });
    expect(existsSync(join(result.keptAs, "backout-kept.json"))).toBe(true);
    expect(readdirSync(cluster.root).filter((n) => n.startsWith("data"))).toEqual([
      "data",
      `data__before_${idTag("pitr-0001")}`,
    ]);
    console.log(`pitr: recovery ${result.recoveryMs} ms, live server down ${result.downtimeMs} ms`);

    const again = await restorePitr(opts);
    expect(again.did).toBe("nothing");
    expect(await phases()).toEqual({ base: 100, "before-rp": 50 });
  });

  it("fails clearly on a restore point the WAL does not hold, leaving the live server running", async () => {
    const error = await restorePitr({
      dataDir: cluster.dataDir,
      baseBackup,
      walArchive: cluster.archive,
      restorePoint: "no-such-point",
      rollbackId: "pitr-bad",
      pgBin: PG_BIN,
      redact,
      timeoutMs: 15_000,
    }).catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(
      /restore point no-such-point did not finish[\s\S]*recovery ended before configured recovery target was reached/,
    );
    expect(await phases()).toEqual({ base: 100, "before-rp": 50 });
    rmSync(`${cluster.dataDir}__restored_${idTag("pitr-bad")}`, { recursive: true, force: true });
  });

  it("finishes a swap that stopped between the two directory renames; prune removes the kept directories", async () => {
    const base2 = cluster.baseBackup("base2");
    await cluster.sql("UPDATE items SET phase = 'second' WHERE id <= 10", [], "app");
    await cluster.sql("SELECT pg_create_restore_point('rp-two')");
    await cluster.sql("DELETE FROM items WHERE id > 100", [], "app");
    const opts = {
      dataDir: cluster.dataDir,
      baseBackup: base2,
      walArchive: cluster.archive,
      restorePoint: "rp-two",
      rollbackId: "pitr-0002",
      pgBin: PG_BIN,
      redact,
      url: cluster.url(),
      timeoutMs: 15_000,
    };
    expect((await restorePitr(opts)).did).toBe("restored");
    // Put the directories in the state a crash after the first rename leaves.
    cluster.run("pg_ctl", ["-D", cluster.dataDir, "-m", "fast", "-w", "stop"]);
    const restoredDir = `${cluster.dataDir}__restored_${idTag("pitr-0002")}`;
    renameSync(cluster.dataDir, restoredDir);
    writeFileSync(join(restoredDir, "backout-recovered.json"), "{}");

    const finished = await restorePitr(opts);
    expect(finished.did).toBe("finished-swap");
    expect(await phases()).toEqual({ base: 90, "before-rp": 50, second: 10 });

    const removed = await pruneKept(cluster.url("app"), { redact, dataDir: cluster.dataDir });
    expect(removed.sort()).toEqual([
      `${cluster.dataDir}__before_${idTag("pitr-0001")}`,
      `${cluster.dataDir}__before_${idTag("pitr-0002")}`,
    ]);
    expect(readdirSync(cluster.root).filter((n) => n.startsWith("data"))).toEqual(["data"]);
  });

  it("runs the hooks around the swap: the copy serves only on its own port until the replay is done; a failure unblocks and a retry goes on", async () => {
    const base3 = cluster.baseBackup("base3");
    await cluster.sql("SELECT pg_create_restore_point('rp-three')");
    await cluster.sql("INSERT INTO items VALUES (1000, 'after-three')", [], "app");
    const calls: string[] = [];
    const inCopy = async (port: number, text: string, values: unknown[] = []): Promise<unknown[]> => {
      const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/app` });
      await c.connect();
      try {
        return (await c.query(text, values)).rows as unknown[];
      } finally {
        await c.end();
      }
    };
    let failSecondPass = true;
    const hooks: PitrHooks = {
      whileLive: async () => {
        calls.push("whileLive");
        expect(await phases()).toMatchObject({ "after-three": 1 });
      },
      replay: async (port) => {
        calls.push("replay");
        expect(port).not.toBe(cluster.port);
        // The copy is at the restore point; the live server still answers on its own port.
        expect(
          await inCopy(port, "SELECT count(*)::int AS n FROM items WHERE phase = 'after-three'"),
        ).toEqual([{ n: 0 }]);
        await cluster.sql("SELECT 1");
        const pass = calls.filter((c) => c === "replay").length;
        if (pass === 2 && failSecondPass) throw new Error("replay failed");
        await inCopy(port, "INSERT INTO items VALUES ($1, 'replayed') ON CONFLICT DO NOTHING", [2000 + pass]);
      },
      block: () => {
        calls.push("block");
        return Promise.resolve();
      },
      unblock: () => {
        calls.push("unblock");
        return Promise.resolve();
      },
    };
    const opts = {
      dataDir: cluster.dataDir,
      baseBackup: base3,
      walArchive: cluster.archive,
      restorePoint: "rp-three",
      rollbackId: "pitr-0003",
      pgBin: PG_BIN,
      redact,
      url: cluster.url(),
      timeoutMs: 15_000,
      hooks,
    };
    await expect(restorePitr(opts)).rejects.toThrow("replay failed");
    expect(calls).toEqual(["whileLive", "replay", "block", "replay", "unblock"]);
    // Nothing swapped, the live server serves, the copy is stopped (its replay kept).
    expect(await phases()).toMatchObject({ "after-three": 1 });
    const restoredDir = `${cluster.dataDir}__restored_${idTag("pitr-0003")}`;
    expect(existsSync(join(restoredDir, "postmaster.pid"))).toBe(false);

    calls.length = 0;
    failSecondPass = false;
    const r = await restorePitr(opts);
    expect(r).toMatchObject({ did: "restored", recoveryMs: 0 });
    expect(r.blockedMs).toBeGreaterThanOrEqual(r.downtimeMs);
    expect(calls).toEqual(["whileLive", "replay", "block", "replay"]);
    const after = await phases();
    expect(after["after-three"]).toBeUndefined();
    // The first run's pass (2001) survived in the copy; this run's two passes added 2001 (no-op) and 2002.
    expect(after.replayed).toBe(2);
  });

  it("the time limit passing during the last replay stops before the swap: the copy is stopped, the live database opens again, a resume finishes", async () => {
    const base4 = cluster.baseBackup("base4");
    await cluster.sql("SELECT pg_create_restore_point('rp-four')");
    await cluster.sql("INSERT INTO items VALUES (4000, 'after-four')", [], "app");
    const calls: string[] = [];
    let limit = new AbortController();
    let limitPasses = true;
    const hooks: PitrHooks = {
      replay: () => {
        calls.push("replay");
        // The time limit passes while the writes that came in under the block are replayed.
        if (limitPasses && calls.includes("block")) limit.abort();
        return Promise.resolve();
      },
      block: () => {
        calls.push("block");
        return Promise.resolve();
      },
      unblock: () => {
        calls.push("unblock");
        return Promise.resolve();
      },
    };
    const opts = {
      dataDir: cluster.dataDir,
      baseBackup: base4,
      walArchive: cluster.archive,
      restorePoint: "rp-four",
      rollbackId: "pitr-0004",
      pgBin: PG_BIN,
      redact,
      url: cluster.url(),
      timeoutMs: 15_000,
      hooks,
    };
    const cancelled = await restorePitr({
      ...opts,
      runtime: { clock: systemClock, signal: limit.signal },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(cancelled).toBeInstanceOf(BackoutError);
    expect(cancelled).toMatchObject({ code: "STEP_CANCELLED", message: "restore cancelled before the swap" });
    expect(calls).toEqual(["replay", "block", "replay", "unblock"]);
    // Nothing swapped: the live server serves its own data, the copy is stopped.
    expect(await phases()).toMatchObject({ "after-four": 1 });
    expect(existsSync(join(`${cluster.dataDir}__restored_${idTag("pitr-0004")}`, "postmaster.pid"))).toBe(
      false,
    );
    expect(existsSync(`${cluster.dataDir}__before_${idTag("pitr-0004")}`)).toBe(false);

    calls.length = 0;
    limit = new AbortController();
    limitPasses = false;
    const r = await restorePitr({ ...opts, runtime: { clock: systemClock, signal: limit.signal } });
    expect(r).toMatchObject({ did: "restored", recoveryMs: 0 });
    expect(calls).toEqual(["replay", "block", "replay"]);
    expect((await phases())["after-four"]).toBeUndefined();
  });
});
