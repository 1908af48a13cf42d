import pg from "pg";
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../../../../src/core/errors.js";
import {
  restoreDump,
  restoreNames,
} from "../../../../../src/providers/postgres/strategies/restore/copy/index.js";
import { PG_BIN, useCluster } from "../../../../support/postgres.js";
import { until } from "../../../../support/until.js";
import { appWithDump, count, dbNames, redact } from "./dump-fixture.js";

const SHOP = restoreNames("shop", "RB-aaaa-1111-zz");
const HALF = restoreNames("half", "RB-bbbb-2222");
const REDO = restoreNames("redo", "RB-cccc-3333");

const cluster = useCluster();

/** A client writing in a loop until its connection is terminated; counts commits. */
function writer(url: string): { done: Promise<{ commits: number; error: string }> } {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => undefined);
  const done = (async () => {
    let commits = 0;
    await client.connect();
    try {
      for (;;) {
        await client.query("INSERT INTO items (label) VALUES ('late')");
        commits++;
      }
    } catch (e) {
      return { commits, error: String(e) };
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return { done };
}

/** Connects again and again, recording in `seen` the row count each connection saw (or "refused"). */
function watcher(
  url: string,
  stop: () => boolean,
  seen: (number | "refused")[],
): Promise<(number | "refused")[]> {
  return (async () => {
    while (!stop()) {
      const c = new pg.Client({ connectionString: url });
      c.on("error", () => undefined);
      try {
        await c.connect();
        const r = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM items");
        seen.push(Number(r.rows[0]?.n));
      } catch {
        seen.push("refused");
      } finally {
        await c.end().catch(() => undefined);
      }
    }
    return seen;
  })();
}

describe("restoreDump", () => {
  it("swaps the restored copy in under connected, writing clients; keeps the old one; a second call is a no-op", async () => {
    const dump = await appWithDump(cluster, "shop", 500);
    await cluster.sql("CREATE ROLE shop_owner");
    await cluster.sql("ALTER DATABASE shop OWNER TO shop_owner");
    await cluster.sql("ALTER DATABASE shop SET work_mem = '7MB'");
    await cluster.sql("COMMENT ON DATABASE shop IS 'the shop'");
    await cluster.sql("REVOKE CONNECT ON DATABASE shop FROM PUBLIC");
    await cluster.sql("GRANT CONNECT ON DATABASE shop TO shop_owner");
    await cluster.sql("INSERT INTO items (label) SELECT 'after' FROM generate_series(1, 100)", [], "shop");
    const writers = [writer(cluster.url("shop")), writer(cluster.url("shop"))];
    const idle = await cluster.connect("shop");
    idle.on("error", () => undefined);
    // Both writers writing and the idle session connected before the swap (no sleep-and-hope).
    await until("two writing sessions and an idle one on shop", async () => {
      const [row] = await cluster.sql(
        `SELECT count(*)::int AS sessions,
                count(*) FILTER (WHERE query LIKE 'INSERT INTO items%')::int AS writing
           FROM pg_stat_activity WHERE datname = 'shop'`,
      );
      return Number(row?.sessions) >= 3 && Number(row?.writing) >= 2;
    });
    let stop = false;
    const seen: (number | "refused")[] = [];
    const watching = watcher(cluster.url("shop"), () => stop, seen);

    const result = await restoreDump({
      url: cluster.url("shop"),
      dumpFile: dump,
      rollbackId: "RB-aaaa-1111-zz",
      pgBin: PG_BIN,
      redact,
    });
    const afterSwap = Date.now();
    await until("a connection that sees the restored copy", () => seen.includes(500), 30_000);
    stop = true;
    await watching;
    const wrote = await Promise.all(writers.map((w) => w.done));
    await idle.end().catch(() => undefined);

    expect(result).toMatchObject({ restoredFrom: dump, keptAs: SHOP.before, did: "restored" });
    expect(result.sessionsTerminated).toBeGreaterThanOrEqual(3);
    for (const w of wrote) expect(w.error).toMatch(/terminat|connection/i);
    expect(await count(cluster, "shop")).toBe(500);
    const kept = await count(cluster, SHOP.before);
    const commits = wrote.reduce((n, w) => n + w.commits, 0);
    expect(commits).toBeGreaterThan(0);
    // A commit whose reply the termination cut off is in the kept copy but not counted here.
    expect(kept - 600 - commits).toBeGreaterThanOrEqual(0);
    expect(kept - 600 - commits).toBeLessThanOrEqual(wrote.length);
    // Each connection saw the old database or the restored one; never the old one after the new.
    const firstNew = seen.indexOf(500);
    expect(firstNew).toBeGreaterThanOrEqual(0);
    expect(seen.slice(firstNew).every((s) => s === 500 || s === "refused")).toBe(true);
    expect(seen.every((s) => s === "refused" || s === 500 || s >= 600)).toBe(true);

    const [shape] = await cluster.sql(
      `SELECT pg_get_userbyid(datdba) AS owner, datallowconn, shobj_description(oid, 'pg_database') AS comment,
              has_database_privilege('public', oid, 'CONNECT') AS public_connect,
              has_database_privilege('shop_owner', oid, 'CONNECT') AS owner_connect,
              (SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = d.oid AND setrole = 0) AS settings
         FROM pg_database d WHERE datname = 'shop'`,
    );
    expect(shape).toEqual({
      owner: "shop_owner",
      datallowconn: true,
      comment: "the shop",
      public_connect: false,
      owner_connect: true,
      settings: ["work_mem=7MB"],
    });
    const [keptRow] = await cluster.sql(
      "SELECT datallowconn, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
      [SHOP.before],
    );
    expect(keptRow?.comment).toMatch(/^backout:before RB-aaaa-1111-zz /);
    expect(await dbNames(cluster, "shop")).toEqual(["shop", SHOP.before]);

    const again = await restoreDump({
      url: cluster.url("shop"),
      dumpFile: dump,
      rollbackId: "RB-aaaa-1111-zz",
      pgBin: PG_BIN,
      redact,
    });
    expect(again.did).toBe("nothing");
    expect(await count(cluster, "shop")).toBe(500);
    console.log(
      `swap: restore ${result.restoreMs} ms, live name refused connections for ${result.blockedMs} ms, ${result.sessionsTerminated} sessions terminated, watcher saw ${seen.filter((s) => s === "refused").length} refusals in ${seen.length} connections (${Date.now() - afterSwap} ms after)`,
    );
  });

  it("finishes a swap that stopped between the two renames", async () => {
    const dump = await appWithDump(cluster, "half", 50);
    await cluster.sql("INSERT INTO items (label) VALUES ('after')", [], "half");
    await cluster.sql("COMMENT ON DATABASE half IS 'half app'");
    // The state a crash between separate renames leaves: complete copy, live renamed away.
    await cluster.sql(`CREATE DATABASE ${HALF.restored} TEMPLATE template0`);
    cluster.run("pg_restore", [
      "-h",
      cluster.host,
      "-p",
      String(cluster.port),
      "-U",
      "postgres",
      "-d",
      HALF.restored,
      dump,
    ]);
    await cluster.sql(`COMMENT ON DATABASE ${HALF.restored} IS 'backout:restored RB-bbbb-2222'`);
    await cluster.sql("ALTER DATABASE half ALLOW_CONNECTIONS false");
    await cluster.sql(`ALTER DATABASE half RENAME TO ${HALF.before}`);

    const result = await restoreDump({
      url: cluster.url("half"),
      dumpFile: dump,
      rollbackId: "RB-bbbb-2222",
      pgBin: PG_BIN,
      redact,
    });
    expect(result.did).toBe("finished-swap");
    expect(await count(cluster, "half")).toBe(50);
    expect(await count(cluster, HALF.before)).toBe(51);
    const rows = await cluster.sql(
      "SELECT datname, datallowconn, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = 'half'",
    );
    expect(rows).toEqual([{ datname: "half", datallowconn: true, comment: "half app" }]);
    expect(await dbNames(cluster, "half")).toEqual(["half", HALF.before]);
  });

  it("drops a half-restored copy and restores it again", async () => {
    const dump = await appWithDump(cluster, "redo", 20);
    await cluster.sql(`CREATE DATABASE ${REDO.restored}`);
    await cluster.sql("CREATE TABLE junk (x int)", [], REDO.restored);
    await cluster.sql(`COMMENT ON DATABASE ${REDO.restored} IS 'backout:restoring RB-cccc-3333'`);
    const result = await restoreDump({
      url: cluster.url("redo"),
      dumpFile: dump,
      rollbackId: "RB-cccc-3333",
      pgBin: PG_BIN,
      redact,
    });
    expect(result.did).toBe("restored");
    const junk = await cluster.sql("SELECT to_regclass('public.junk') AS t", [], "redo");
    expect(junk[0]?.t).toBeNull();
    expect(await count(cluster, "redo")).toBe(20);
  });

  it("fails clearly on a missing dump and leaves the live database open and untouched", async () => {
    await appWithDump(cluster, "nodump", 5);
    const error = await restoreDump({
      url: cluster.url("nodump").replace("postgres@", "postgres:s3cret@"),
      dumpFile: "/nonexistent/nodump.dump",
      rollbackId: "RB-dddd",
      pgBin: PG_BIN,
      redact,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackoutError);
    expect((error as BackoutError).message).toMatch(/dump \/nonexistent\/nodump.dump is missing/);
    expect(JSON.stringify(error)).not.toContain("s3cret");
    expect(await count(cluster, "nodump")).toBe(5);
    const rows = await cluster.sql("SELECT datallowconn FROM pg_database WHERE datname = 'nodump'");
    expect(rows[0]?.datallowconn).toBe(true);
  });

  it("fails on a dump pg_restore cannot read, dropping nothing live", async () => {
    await appWithDump(cluster, "baddump", 5);
    const bad = `${cluster.root}/bad.dump`;
    (await import("node:fs")).writeFileSync(bad, "not a dump");
    const error = await restoreDump({
      url: cluster.url("baddump"),
      dumpFile: bad,
      rollbackId: "RB-eeee",
      pgBin: PG_BIN,
      redact,
    }).catch((e: unknown) => e);
    expect((error as BackoutError).message).toMatch(
      /pg_restore of .*bad.dump into baddump__restored_rbeeee_[0-9a-f]{8} failed/,
    );
    expect((error as BackoutError).retryable).toBe(true);
    expect(await count(cluster, "baddump")).toBe(5);
  });

  it("runs beforeSwap with only the kept session connected and the live name closed", async () => {
    const dump = await appWithDump(cluster, "hooked", 5);
    const drain = await cluster.connect("hooked");
    const app = await cluster.connect("hooked");
    app.on("error", () => undefined);
    const drainPid = Number((await drain.query<{ p: number }>("SELECT pg_backend_pid() AS p")).rows[0]?.p);
    const seen: string[] = [];
    await restoreDump({
      url: cluster.url("hooked"),
      dumpFile: dump,
      rollbackId: "RB-hook",
      pgBin: PG_BIN,
      redact,
      keepSessions: [drainPid],
      beforeSwap: async () => {
        // The last write before the swap can still be read through the kept session.
        await drain.query("INSERT INTO items (label) VALUES ('seen by the drain')");
        const others = await cluster.sql("SELECT pid FROM pg_stat_activity WHERE datname = 'hooked'");
        seen.push(others.map((r) => (Number(r.pid) === drainPid ? "drain" : "other")).join(","));
        const refused = await cluster.connect("hooked").then(
          async (c) => (await c.end(), "connected"),
          (e: unknown) => String(e),
        );
        seen.push(refused);
      },
    });
    await drain.end().catch(() => undefined);
    await app.end().catch(() => undefined);
    expect(seen[0]).toBe("drain");
    expect(seen[1]).toMatch(/not currently accepting connections/);
    expect(await count(cluster, "hooked")).toBe(5);
    expect(await count(cluster, restoreNames("hooked", "RB-hook").before)).toBe(6);
  });
});
